using System.Diagnostics;
using Phyght.Core.Crdt;

// The pure CRDT library alone: folding one video's 100,000-op log, and the memory that costs.
// Run: dotnet run -c Release --project bench/Phyght.Bench [ops=100000]
// Through the API: dotnet run -c Release --project bench/Phyght.Bench sync <api-url> <admin-password> <videos> [seconds]
// Uploads: dotnet run -c Release --project bench/Phyght.Bench upload <api-url> <admin-password> <file> <azurite-port>
// A trace file: dotnet run -c Release --project bench/Phyght.Bench fold ../shared/bench/crdt-trace.jsonl
// Real time: dotnet run -c Release --project bench/Phyght.Bench realtime <api-urls,comma-separated> <admin-password> <clients> <rate> <seconds> <api-pids,comma-separated>
if (args.Length > 0 && args[0] == "realtime")
{
    await RealtimeBench.RunAsync(args[1].Split(',').Select(u => new Uri(u)).ToArray(), args[2], int.Parse(args[3]), int.Parse(args[4]), int.Parse(args[5]),
        args[6].Split(',').Select(int.Parse).ToArray());
    return;
}
if (args.Length > 0 && args[0] == "fold")
{
    FoldBench.Run(args[1]);
    return;
}
if (args.Length > 0 && args[0] == "upload")
{
    await UploadBench.RunAsync(new Uri(args[1]), args[2], args[3], int.Parse(args[4]));
    return;
}
if (args.Length > 0 && args[0] == "sync")
{
    await SyncBench.RunAsync(new Uri(args[1]), args[2], int.Parse(args[3]), args.Length > 4 ? int.Parse(args[4]) : 15);
    return;
}
var count = args.Length > 0 ? int.Parse(args[0]) : 100_000;
var ops = MakeLog(count, seed: 42);

VideoDocument.Fold(ops.Take(1000)); // warm-up
for (var run = 1; run <= 3; run++)
{
    GC.Collect();
    var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
    var started = Stopwatch.GetTimestamp();
    var document = VideoDocument.Fold(ops);
    var elapsed = Stopwatch.GetElapsedTime(started);
    var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
    Console.WriteLine($"run {run}: {count:N0} ops folded in {elapsed.TotalMilliseconds:N0} ms = {count / elapsed.TotalSeconds:N0} ops/s; " +
        $"allocated {allocated / (double)count:N0} B/op; version {document.Version}, {document.Tags.Length} tags");
}

// Twenty actors editing one video: registers, tag adds and removes with their clocks as context.
static List<Operation> MakeLog(int count, int seed)
{
    var random = new Random(seed);
    var actors = Enumerable.Range(0, 20).Select(i => $"device-{i}").ToArray();
    var clock = VectorClock.Empty;
    var lamport = 0L;
    var ops = new List<Operation>(count);
    for (var i = 0; i < count; i++)
    {
        var actor = actors[random.Next(actors.Length)];
        var type = (OpType)random.Next(7);
        var tag = $"tag{random.Next(30)}";
        var value = type switch
        {
            OpType.UpdateFeatured => OpValue.OfFlag(random.Next(2) == 0),
            OpType.SetTags => OpValue.OfTags([tag, $"tag{random.Next(30)}"]),
            OpType.AddTag or OpType.RemoveTag => OpValue.OfText(tag),
            _ => OpValue.OfText($"value {i}"),
        };
        // Contexts lag a little behind the full clock, as offline devices' do.
        var context = random.Next(4) == 0 ? clock : VectorClock.From(clock.Entries.Select(e => KeyValuePair.Create(e.Key, Math.Max(0, e.Value - random.Next(3)))));
        var op = new Operation(actor, clock[actor] + 1, ++lamport, type, value, context);
        clock = clock.With(op.Dot);
        ops.Add(op);
    }
    return ops;
}
