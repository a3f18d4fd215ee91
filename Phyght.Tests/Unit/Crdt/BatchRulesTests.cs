using Phyght.Core.Crdt;

namespace Phyght.Tests.Unit.Crdt;

/// <summary>crdt.md rules 3–6 on a whole batch, fed the stored facts a server would read.</summary>
public sealed class BatchRulesTests
{
    private const long Lead = 1_048_576;
    private static readonly Dictionary<Dot, Operation> NoneStored = [];
    private static readonly Dictionary<string, long> NoLamports = [];

    private static Operation Title(string actor, long seq, long lamport, string text = "t", VectorClock? context = null) =>
        new(actor, seq, lamport, OpType.UpdateTitle, OpValue.OfText(text), context);

    private static VideoDocument Holding(params Operation[] ops) => ops.Aggregate(VideoDocument.Empty, (d, o) => d.Apply(o, out _));

    [Fact]
    public void A_valid_batch_is_accepted_in_per_actor_seq_order_without_duplicates()
    {
        var before = Holding(Title("a", 1, 1));
        var batch = new[] { Title("b", 2, 4), Title("a", 1, 1), Title("b", 1, 3), Title("b", 1, 3) };
        var verdict = BatchRules.Check(before, batch, new Dictionary<Dot, Operation> { [new("a", 1)] = Title("a", 1, 1) }, NoLamports, Lead);
        var accepted = Assert.IsType<BatchVerdict.Accepted>(verdict);
        Assert.Equal([new Dot("b", 1), new Dot("b", 2)], accepted.Fresh.Select(o => o.Dot));
    }

    [Fact]
    public void A_held_dot_with_another_body_is_a_reused_dot()
    {
        var before = Holding(Title("a", 1, 1, "first"));
        var verdict = BatchRules.Check(before, [Title("a", 1, 1, "second")],
            new Dictionary<Dot, Operation> { [new("a", 1)] = Title("a", 1, 1, "first") }, NoLamports, Lead);
        Assert.Equal(new BatchVerdict.DotReused(0, new Dot("a", 1)), verdict);
    }

    [Fact]
    public void The_same_dot_twice_in_one_batch_with_different_bodies_is_refused()
    {
        var verdict = BatchRules.Check(VideoDocument.Empty, [Title("a", 1, 1, "x"), Title("a", 1, 1, "y")], NoneStored, NoLamports, Lead);
        Assert.Equal(new BatchVerdict.DotReused(1, new Dot("a", 1)), verdict);
    }

    [Fact]
    public void A_gap_names_the_missing_range()
    {
        var verdict = BatchRules.Check(Holding(Title("a", 1, 1)), [Title("a", 4, 9)], NoneStored, new Dictionary<string, long> { ["a"] = 1 }, Lead);
        Assert.Equal(new BatchVerdict.Gap("a", 2, 3), verdict);
    }

    [Fact]
    public void An_actors_lamports_must_grow()
    {
        var verdict = BatchRules.Check(Holding(Title("a", 1, 5)), [Title("a", 2, 5)], NoneStored, new Dictionary<string, long> { ["a"] = 5 }, Lead);
        Assert.Equal(0, Assert.IsType<BatchVerdict.Invalid>(verdict).Index);
    }

    [Fact]
    public void A_lamport_far_ahead_of_the_servers_is_refused_so_no_field_can_be_frozen()
    {
        var before = Holding(Title("a", 1, 10));
        Assert.IsType<BatchVerdict.Accepted>(BatchRules.Check(before, [Title("b", 1, 10 + Lead)], NoneStored, NoLamports, Lead));
        var refused = Assert.IsType<BatchVerdict.Invalid>(BatchRules.Check(before, [Title("b", 1, 11 + Lead)], NoneStored, NoLamports, Lead));
        Assert.Contains("ahead of the server", refused.Message);
    }

    [Fact]
    public void A_context_cannot_claim_server_ops_the_server_has_not_made()
    {
        var server = ServerActors.For(Guid.NewGuid());
        var before = Holding(Title(server, 1, 1));
        var seen = VectorClock.From([KeyValuePair.Create(server, 1L)]);
        var future = VectorClock.From([KeyValuePair.Create(server, 2L)]);
        var remove = (VectorClock context) => new Operation("tab", 1, 2, OpType.RemoveTag, OpValue.OfText("mma"), context);
        Assert.IsType<BatchVerdict.Accepted>(BatchRules.Check(before, [remove(seen)], NoneStored, NoLamports, Lead));
        var refused = Assert.IsType<BatchVerdict.Invalid>(BatchRules.Check(before, [remove(future)], NoneStored, NoLamports, Lead));
        Assert.Contains(server, refused.Message);
    }

    [Fact]
    public void Server_lamports_are_checked_so_the_bound_refuses_instead_of_wrapping()
    {
        var top = Holding(Title("a", 1, long.MaxValue));
        Assert.Throws<OverflowException>(() => ServerActors.Ops(top, ServerActors.For(Guid.NewGuid()), [(OpType.UpdateTitle, OpValue.OfText("x"))]));
    }
}
