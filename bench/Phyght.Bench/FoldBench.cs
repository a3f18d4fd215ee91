using System.Diagnostics;
using System.Text.Json;
using Phyght.Core.Crdt;

/// <summary>
/// <c>fold FILE</c>: folds a file of crdt.md ops (JSON lines, as <c>../shared/bench/crdt-trace.jsonl</c>) and prints,
/// as its last line, <c>{"ops","ops_per_s","state":{…}}</c>: the state to compare with Automerge's
/// (<c>crdt-trace.expected.json</c>) and the best of five timed folds after a warm-up.
/// </summary>
public static class FoldBench
{
    public static void Run(string file)
    {
        using var reader = File.OpenText(file);
        var ops = OperationLines.Read(reader);
        var document = VideoDocument.Fold(ops);
        var best = TimeSpan.MaxValue;
        for (var run = 1; run <= 5; run++)
        {
            GC.Collect();
            var started = Stopwatch.GetTimestamp();
            document = VideoDocument.Fold(ops);
            var elapsed = Stopwatch.GetElapsedTime(started);
            best = elapsed < best ? elapsed : best;
            Console.WriteLine($"run {run}: {ops.Count:N0} ops in {elapsed.TotalMilliseconds:N1} ms = {ops.Count / elapsed.TotalSeconds:N0} ops/s");
        }
        // The same history applied op by op to the immutable document (what a fold did before it had its own state).
        var before = Stopwatch.GetTimestamp();
        var stepwise = VideoDocument.Empty;
        foreach (var op in ops.OrderBy(o => o.Actor, StringComparer.Ordinal).ThenBy(o => o.Seq))
        {
            stepwise = stepwise.Apply(op, out _);
        }
        var immutable = Stopwatch.GetElapsedTime(before);
        Console.WriteLine($"op by op on the immutable document: {ops.Count / immutable.TotalSeconds:N0} ops/s (same state: {stepwise.StateEquals(document)})");
        // What videos.crdt_state holds: the compacted state (crdt.md "State size"), beside what the whole history left.
        Console.WriteLine($"stored state: {DocumentJson.Serialize(document.Compact()).Length:N0} bytes compacted, {DocumentJson.Serialize(document).Length:N0} bytes before compaction");
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            ops = ops.Count,
            ops_per_s = Math.Round(ops.Count / best.TotalSeconds),
            state = new
            {
                title = document.Title.Value,
                description = document.Description.Value,
                category = document.Category.Value,
                is_featured = document.Featured.Value,
                tags = document.Tags,
                version = document.Version,
            },
        }));
    }
}
