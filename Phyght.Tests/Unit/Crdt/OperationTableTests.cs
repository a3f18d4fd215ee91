using System.Text.Json;
using Phyght.Core.Crdt;

namespace Phyght.Tests.Unit.Crdt;

/// <summary>One hand-written case per row of crdt.md's op table, and the validation of each op field.</summary>
public sealed class OperationTableTests
{
    private static VectorClock Clock(params (string Actor, long Seq)[] entries) =>
        VectorClock.From(entries.Select(e => KeyValuePair.Create(e.Actor, e.Seq)));

    private static Operation Op(string actor, long seq, long lamport, OpType type, OpValue value, VectorClock? context = null) =>
        new(actor, seq, lamport, type, value, context);

    private static VideoDocument Apply(params Operation[] ops) => ops.Aggregate(VideoDocument.Empty, (d, o) => d.Apply(o, out _));

    [Fact]
    public void Registers_take_the_greatest_stamp_whatever_the_arrival_order()
    {
        var early = Op("b", 1, 5, OpType.UpdateTitle, OpValue.OfText("Early"));
        var late = Op("a", 1, 6, OpType.UpdateTitle, OpValue.OfText("Late"));
        Assert.Equal("Late", Apply(early, late).Title.Value);
        Assert.Equal("Late", Apply(late, early).Title.Value);
    }

    [Fact]
    public void Equal_lamports_are_broken_by_the_actor_compared_ordinally()
    {
        var upper = Op("B", 1, 7, OpType.UpdateCategory, OpValue.OfText("upper"));
        var lower = Op("a", 1, 7, OpType.UpdateCategory, OpValue.OfText("lower"));
        // Ordinal: 'a' (0x61) > 'B' (0x42).
        Assert.Equal("lower", Apply(upper, lower).Category.Value);
        Assert.Equal("lower", Apply(lower, upper).Category.Value);
    }

    [Fact]
    public void Description_and_category_accept_null_and_featured_a_boolean()
    {
        var doc = Apply(
            Op("a", 1, 1, OpType.UpdateDescription, OpValue.OfText("text")),
            Op("a", 2, 2, OpType.UpdateDescription, OpValue.OfText(null)),
            Op("a", 3, 3, OpType.UpdateFeatured, OpValue.OfFlag(true)));
        Assert.Null(doc.Description.Value);
        Assert.True(doc.Featured.Value);
    }

    [Fact]
    public void A_remove_covers_only_the_adds_its_replica_had_seen()
    {
        var addA = Op("a", 1, 1, OpType.AddTag, OpValue.OfText("mma"));
        var addB = Op("b", 1, 1, OpType.AddTag, OpValue.OfText("mma"));
        var removeSeenA = Op("c", 1, 2, OpType.RemoveTag, OpValue.OfText("mma"), Clock(("a", 1)));
        Assert.Equal(["mma"], Apply(addA, addB, removeSeenA).Tags.ToArray());
        Assert.Empty(Apply(addA, removeSeenA).Tags.ToArray());
    }

    [Fact]
    public void A_remove_that_arrives_before_its_add_leaves_the_add_born_removed()
    {
        var add = Op("a", 1, 1, OpType.AddTag, OpValue.OfText("bjj"));
        var remove = Op("b", 1, 2, OpType.RemoveTag, OpValue.OfText("bjj"), Clock(("a", 1)));
        Assert.Empty(Apply(remove, add).Tags.ToArray());
    }

    [Fact]
    public void Set_tags_replaces_every_seen_tag_and_keeps_concurrent_adds()
    {
        var add1 = Op("a", 1, 1, OpType.AddTag, OpValue.OfText("mma"));
        var add2 = Op("a", 2, 2, OpType.AddTag, OpValue.OfText("judo"));
        var concurrent = Op("b", 1, 1, OpType.AddTag, OpValue.OfText("boxing"));
        var set = Op("a", 3, 3, OpType.SetTags, OpValue.OfTags(["bjj", "mma"]), Clock(("a", 2)));
        Assert.Equal(["bjj", "boxing", "mma"], Apply(add1, add2, concurrent, set).Tags.ToArray());
    }

    [Fact]
    public void Version_counts_distinct_ops_and_duplicates_and_gaps_are_reported()
    {
        var first = Op("a", 1, 1, OpType.AddTag, OpValue.OfText("mma"));
        var doc = VideoDocument.Empty.Apply(first, out var applied);
        doc = doc.Apply(first, out var duplicate);
        doc = doc.Apply(Op("a", 3, 3, OpType.AddTag, OpValue.OfText("x")), out var gap);
        Assert.Equal((ApplyStatus.Applied, ApplyStatus.Duplicate, ApplyStatus.Gap), (applied, duplicate, gap));
        Assert.Equal(1, doc.Version);
    }

    [Fact]
    public void Concurrent_register_writes_are_reported_as_conflicts_and_causal_ones_are_not()
    {
        var conflicts = new List<string>();
        var doc = VideoDocument.Empty.Apply(Op("a", 1, 1, OpType.UpdateTitle, OpValue.OfText("A")), out _, conflicts);
        doc = doc.Apply(Op("b", 1, 2, OpType.UpdateTitle, OpValue.OfText("B"), Clock(("a", 1))), out _, conflicts);
        Assert.Empty(conflicts);
        doc.Apply(Op("c", 1, 1, OpType.UpdateTitle, OpValue.OfText("C"), VectorClock.Empty), out _, conflicts);
        Assert.Equal(["title"], conflicts);
    }

    public static TheoryData<string, string> InvalidOps => new()
    {
        { """{"actor":"bad actor!","seq":1,"lamport":1,"type":"add_tag","value":"x"}""", "actor" },
        { """{"actor":"a","seq":0,"lamport":1,"type":"add_tag","value":"x"}""", "seq" },
        { """{"actor":"a","seq":1,"lamport":0,"type":"add_tag","value":"x"}""", "lamport" },
        { """{"actor":"a","seq":1,"lamport":1,"type":"rename","value":"x"}""", "type" },
        { """{"actor":"a","seq":1,"lamport":1,"type":"update_title","value":"  "}""", "update_title" },
        { """{"actor":"a","seq":1,"lamport":1,"type":"update_title","value":null}""", "update_title" },
        { """{"actor":"a","seq":1,"lamport":1,"type":"update_featured","value":"yes"}""", "update_featured" },
        { """{"actor":"a","seq":1,"lamport":1,"type":"add_tag","value":""}""", "tag" },
        { """{"actor":"a","seq":1,"lamport":1,"type":"remove_tag","value":"x"}""", "context" },
        { """{"actor":"a","seq":1,"lamport":1,"type":"set_tags","value":"x","context":{}}""", "set_tags" },
    };

    [Theory]
    [MemberData(nameof(InvalidOps))]
    public void Invalid_ops_are_rejected_with_a_reason(string json, string mentions)
    {
        var input = JsonSerializer.Deserialize<OperationInput>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Null(OperationRules.Validate(input, out var error));
        Assert.Contains(mentions, error);
    }

    [Fact]
    public void Tags_are_trimmed_lower_cased_and_de_duplicated()
    {
        var input = JsonSerializer.Deserialize<OperationInput>(
            """{"actor":"a","seq":1,"lamport":1,"type":"set_tags","value":[" MMA ","mma","BJJ"],"context":{}}""",
            new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        var op = OperationRules.Validate(input, out _);
        Assert.Equal(["mma", "bjj"], op!.Value.Tags.ToArray());
    }
}
