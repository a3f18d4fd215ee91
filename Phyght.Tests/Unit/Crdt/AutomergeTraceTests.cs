using System.IO.Compression;
using System.Text.Json;
using Phyght.Core.Crdt;

namespace Phyght.Tests.Unit.Crdt;

/// <summary>An outside oracle: a 100,000-op history of one video (8 actors, every op type) and the state Automerge
/// reaches for it (../shared/bench, copied here compressed). The fold must reach the same state.</summary>
public sealed class AutomergeTraceTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Unit", "Crdt", "Automerge");

    [Fact]
    public void Folding_the_trace_reaches_the_state_automerge_reaches()
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(Path.Combine(Folder, "crdt-trace.jsonl.gz")), CompressionMode.Decompress));
        var ops = OperationLines.Read(reader);
        var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "crdt-trace.expected.json"))).RootElement;

        var document = VideoDocument.Fold(ops);

        Assert.Equal(100_000, ops.Count);
        Assert.Equal(expected.GetProperty("title").GetString(), document.Title.Value);
        Assert.Equal(expected.GetProperty("description").GetString(), document.Description.Value);
        Assert.Equal(expected.GetProperty("category").GetString(), document.Category.Value);
        Assert.Equal(expected.GetProperty("is_featured").GetBoolean(), document.Featured.Value);
        Assert.Equal(expected.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).Order(StringComparer.Ordinal), document.Tags);
        Assert.Equal(expected.GetProperty("version").GetInt64(), document.Version);
        // Op by op on the immutable document, the same state.
        var stepwise = VideoDocument.Empty;
        foreach (var op in ops.OrderBy(o => o.Actor, StringComparer.Ordinal).ThenBy(o => o.Seq))
        {
            stepwise = stepwise.Apply(op, out _);
        }
        Assert.True(stepwise.StateEquals(document));
    }
}
