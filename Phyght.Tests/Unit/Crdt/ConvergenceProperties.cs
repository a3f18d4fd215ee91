using Phyght.Core.Crdt;

namespace Phyght.Tests.Unit.Crdt;

/// <summary>
/// The rules of crdt.md checked over 10,000 random histories with fixed seeds; a failure names its seed, and
/// <c>History.Generate(seed)</c> replays it.
/// </summary>
public sealed class ConvergenceProperties
{
    private const int Histories = 10_000;

    private static void ForEachHistory(Action<History> property)
    {
        for (var seed = 1; seed <= Histories; seed++)
        {
            var history = History.Generate(seed);
            try
            {
                property(history);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"Property failed for {history} (replay with History.Generate({seed})): {ex.Message}");
            }
        }
    }

    [Fact]
    public void Every_delivery_order_with_duplicates_folds_to_the_same_state()
    {
        ForEachHistory(history =>
        {
            var expected = VideoDocument.Fold(history.Ops);
            var random = new Random(history.Seed);
            for (var order = 0; order < 3; order++)
            {
                var document = VideoDocument.Empty;
                foreach (var op in History.Deliveries(random, history.Ops, duplicates: true))
                {
                    document = document.Apply(op, out var status);
                    Assert.NotEqual(ApplyStatus.Gap, status);
                }
                Assert.True(expected.StateEquals(document), "a delivery order reached another state");
            }
        });
    }

    [Fact]
    public void A_fold_continued_op_by_op_is_the_document_every_op_applied_in_turn_gives()
    {
        ForEachHistory(history =>
        {
            var split = history.Ops.Count / 2;
            var folded = VideoDocument.Fold(history.Ops.Take(split));
            var stepwise = VideoDocument.Empty;
            foreach (var op in history.Ops.Take(split))
            {
                stepwise = stepwise.Apply(op, out _);
            }
            // The removal clocks a fold hands on decide the ops that follow it.
            Assert.True(stepwise.SetTagsRemovals.Equals(folded.SetTagsRemovals), "set_tags removals differ");
            Assert.Equal(stepwise.TagRemovals.Keys, folded.TagRemovals.Keys);
            Assert.All(stepwise.TagRemovals, r => Assert.True(r.Value.Equals(folded.TagRemovals[r.Key]), $"removals of {r.Key} differ"));
            foreach (var op in history.Ops.Skip(split))
            {
                folded = folded.Apply(op, out _);
                stepwise = stepwise.Apply(op, out _);
            }
            Assert.True(stepwise.StateEquals(folded), "a fold continued op by op diverged");
        });
    }

    [Fact]
    public void Replicas_that_exchange_everything_converge()
    {
        ForEachHistory(history =>
        {
            var expected = VideoDocument.Fold(history.Ops);
            var random = new Random(history.Seed);
            foreach (var replica in history.Replicas)
            {
                var document = replica;
                foreach (var op in History.Deliveries(random, history.Ops.Where(o => !replica.Clock.Covers(o.Dot)), duplicates: true))
                {
                    document = document.Apply(op, out _);
                }
                Assert.True(expected.StateEquals(document), "a replica diverged after receiving every op");
            }
        });
    }

    [Fact]
    public void Applying_ops_again_changes_nothing()
    {
        ForEachHistory(history =>
        {
            var once = VideoDocument.Fold(history.Ops);
            var twice = history.Ops.Aggregate(once, (doc, op) => doc.Apply(op, out _));
            Assert.True(once.StateEquals(twice));
            Assert.Equal(history.Ops.Count, once.Version);
        });
    }

    [Fact]
    public void Each_register_holds_the_value_of_its_greatest_stamp()
    {
        ForEachHistory(history =>
        {
            var document = VideoDocument.Fold(history.Ops);
            Operation? Winner(OpType type) => history.Ops.Where(o => o.Type == type).MaxBy(o => o.Stamp);
            Assert.Equal(Winner(OpType.UpdateTitle)?.Value.Text, document.Title.Value);
            Assert.Equal(Winner(OpType.UpdateDescription)?.Value.Text, document.Description.Value);
            Assert.Equal(Winner(OpType.UpdateCategory)?.Value.Text, document.Category.Value);
            Assert.Equal(Winner(OpType.UpdateFeatured)?.Value.Flag ?? false, document.Featured.Value);
        });
    }

    [Fact]
    public void A_tag_is_present_iff_some_add_was_not_seen_by_any_remove()
    {
        ForEachHistory(history =>
        {
            var removes = history.Ops.Where(o => o.Type is OpType.RemoveTag or OpType.SetTags).ToList();
            var adds = history.Ops.SelectMany(o => o.Type switch
            {
                OpType.AddTag => [(Tag: o.Value.Text!, o.Dot)],
                OpType.SetTags => o.Value.Tags.Select(t => (Tag: t, o.Dot)),
                _ => [],
            });
            var expected = adds
                .Where(add => !removes.Any(r =>
                    (r.Type == OpType.SetTags || r.Value.Text == add.Tag) && r.Context!.Covers(add.Dot)))
                .Select(add => add.Tag)
                .Distinct()
                .Order(StringComparer.Ordinal);
            Assert.Equal(expected, VideoDocument.Fold(history.Ops).Tags.ToArray());
        });
    }

    [Fact]
    public void A_replicas_later_write_beats_its_earlier_one()
    {
        ForEachHistory(history =>
        {
            foreach (var ops in history.Ops.Where(o => o.Type == OpType.UpdateTitle).GroupBy(o => o.Actor))
            {
                var ordered = ops.OrderBy(o => o.Seq).ToList();
                for (var i = 1; i < ordered.Count; i++)
                {
                    Assert.True(ordered[i].Stamp > ordered[i - 1].Stamp);
                }
            }
            var document = VideoDocument.Fold(history.Ops);
            var lastTitles = history.Ops.Where(o => o.Type == OpType.UpdateTitle).GroupBy(o => o.Actor).Select(g => g.MaxBy(o => o.Seq)!);
            if (document.Title.Dot is { } winner)
            {
                Assert.Contains(winner, lastTitles.Select(o => o.Dot));
            }
        });
    }

    [Fact]
    public void Compacting_the_state_changes_no_outcome_of_any_later_op()
    {
        ForEachHistory(history =>
        {
            var random = new Random(history.Seed);
            var full = VideoDocument.Empty;
            var compact = VideoDocument.Empty;
            foreach (var op in History.Deliveries(random, history.Ops, duplicates: true))
            {
                List<string> fullConflicts = [], compactConflicts = [];
                full = full.Apply(op, out var fullStatus, fullConflicts);
                compact = compact.Apply(op, out var compactStatus, compactConflicts);
                Assert.Equal(fullStatus, compactStatus);
                Assert.Equal(fullConflicts, compactConflicts);
                Assert.Equal((full.Title.Value, full.Description.Value, full.Category.Value, full.Featured.Value), (compact.Title.Value, compact.Description.Value, compact.Category.Value, compact.Featured.Value));
                Assert.Equal(full.Tags.ToArray(), compact.Tags.ToArray());
                // Stored and read back compacted, as the row holds it, at random points.
                compact = random.Next(3) == 0 ? DocumentJson.Deserialize(DocumentJson.Serialize(compact.Compact())) : compact.Compact();
            }
            Assert.True(full.StateEquals(compact), "the compacted document would decide a later op differently");
            Assert.True(DocumentJson.Serialize(compact).Length <= DocumentJson.Serialize(full).Length);
        });
    }
}
