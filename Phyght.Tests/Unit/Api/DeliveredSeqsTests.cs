extern alias PhyghtApi;
using PhyghtApi::Phyght.Api.Realtime;

namespace Phyght.Tests.Unit.Api;

/// <summary>The bookkeeping behind real-time fan-out: live delivery through Redis and the change-feed sweep each
/// deliver what the other has not, so every change reaches an instance's subscribers once, whatever Redis loses and
/// whichever deliveries fail on their way.</summary>
public sealed class DeliveredSeqsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static List<(long Seq, DateTimeOffset CreatedAt)> Feed(params long[] seqs) => [.. seqs.Select(s => (s, T0.AddSeconds(s)))];

    [Fact]
    public void A_seq_is_claimed_by_one_caller_and_never_when_it_is_at_or_below_the_watermark()
    {
        var delivered = new DeliveredSeqs(sweptUpTo: 10);

        Assert.False(delivered.TryClaim(10));
        Assert.False(delivered.TryClaim(3));
        Assert.True(delivered.TryClaim(11));
        Assert.False(delivered.TryClaim(11));
        Assert.True(delivered.Contains(9));
        Assert.True(delivered.Contains(11));
        Assert.False(delivered.Contains(12));
    }

    [Fact]
    public void A_sweep_finds_what_live_delivery_missed_and_stops_before_rows_that_may_still_be_on_their_way()
    {
        var delivered = new DeliveredSeqs(0);
        foreach (var seq in new long[] { 1, 3, 4 })
        {
            Assert.True(delivered.TryClaim(seq));
            delivered.Complete(seq);
        }

        // Rows 6 and 7 were created after the settle point: Redis may still bring them.
        var (unclaimed, upTo) = delivered.Check(Feed(1, 2, 3, 4, 5, 6, 7), settledBefore: T0.AddSeconds(5));

        Assert.Equal([2, 5], unclaimed);
        Assert.Equal(5, upTo);
    }

    [Fact]
    public void A_delivery_that_fails_on_its_way_is_found_by_the_next_sweep()
    {
        var delivered = new DeliveredSeqs(0);
        Assert.True(delivered.TryClaim(1));
        delivered.Complete(1);
        Assert.True(delivered.TryClaim(2)); // on its way

        var (unclaimed, upTo) = delivered.Check(Feed(1, 2, 3), DateTimeOffset.MaxValue);
        Assert.Empty(unclaimed);
        Assert.Equal(1, upTo); // not past 2: its delivery may yet fail
        delivered.Advance(upTo);

        delivered.Release(2); // it failed
        (unclaimed, upTo) = delivered.Check(Feed(2, 3), DateTimeOffset.MaxValue);
        Assert.Equal([2, 3], unclaimed);
        Assert.Equal(3, upTo);
    }

    [Fact]
    public void Advancing_drops_the_claims_below_the_watermark_and_keeps_their_seqs_delivered()
    {
        var delivered = new DeliveredSeqs(0);
        foreach (var seq in new long[] { 1, 2, 5 })
        {
            delivered.TryClaim(seq);
            delivered.Complete(seq);
        }
        delivered.Advance(2);
        delivered.Advance(1); // never backwards

        Assert.Equal(2, delivered.SweptUpTo);
        Assert.False(delivered.TryClaim(1)); // a late Redis message for a swept seq
        Assert.False(delivered.TryClaim(5));
        Assert.True(delivered.Contains(2));
    }

    /// <summary>
    /// Random histories of one instance: changes committed in seq order, each published through Redis or lost, live
    /// deliveries that take a while and sometimes fail (then the live path gives up on them), and sweeps in between,
    /// some right after an outage (everything) and some periodic (only what has settled). After a last sweep every change
    /// was delivered exactly once. A failure names its seed.
    /// </summary>
    [Fact]
    public void Whatever_redis_loses_and_whichever_deliveries_fail_every_change_is_delivered_exactly_once()
    {
        for (var seed = 1; seed <= 2_000; seed++)
        {
            var random = new Random(seed);
            var delivered = new DeliveredSeqs(0);
            var times = new Dictionary<long, int>();
            var feed = new List<(long Seq, DateTimeOffset CreatedAt)>();
            var onItsWay = new List<(long Seq, bool Fails)>();
            var arriving = new List<long>();
            var now = 0;

            void Deliver(long seq)
            {
                times[seq] = times.GetValueOrDefault(seq) + 1;
            }

            void Sweep(bool everything)
            {
                var after = delivered.SweptUpTo;
                var (unclaimed, upTo) = delivered.Check([.. feed.Where(f => f.Seq > after)], everything ? DateTimeOffset.MaxValue : T0.AddSeconds(now - 5));
                foreach (var seq in unclaimed.Where(delivered.TryClaim))
                {
                    Deliver(seq);
                    delivered.Complete(seq);
                }
                delivered.Advance(upTo);
            }

            for (var step = 0; step < 200; step++)
            {
                now++;
                switch (random.Next(6))
                {
                    case 0 or 1:
                        var seq = feed.Count + 1L;
                        feed.Add((seq, T0.AddSeconds(now)));
                        if (random.Next(4) > 0)
                        {
                            arriving.Add(seq); // else Redis lost it
                        }
                        break;
                    case 2 when arriving.Count > 0:
                        var at = random.Next(arriving.Count); // messages may overtake each other
                        var arrived = arriving[at];
                        arriving.RemoveAt(at);
                        if (!delivered.Contains(arrived) && delivered.TryClaim(arrived))
                        {
                            onItsWay.Add((arrived, random.Next(5) == 0));
                        }
                        break;
                    case 3 when onItsWay.Count > 0:
                        var (claimed, fails) = onItsWay[0];
                        onItsWay.RemoveAt(0);
                        if (fails)
                        {
                            delivered.Release(claimed);
                        }
                        else
                        {
                            Deliver(claimed);
                            delivered.Complete(claimed);
                        }
                        break;
                    case 4:
                        Sweep(everything: random.Next(3) == 0);
                        break;
                }
            }
            foreach (var (claimed, fails) in onItsWay)
            {
                if (fails)
                {
                    delivered.Release(claimed);
                }
                else
                {
                    Deliver(claimed);
                    delivered.Complete(claimed);
                }
            }
            Sweep(everything: true);

            var wrong = feed.Select(f => f.Seq).Where(s => times.GetValueOrDefault(s) != 1).ToList();
            Assert.True(wrong.Count == 0,
                $"seed {seed}: seqs delivered other than once: {string.Join(", ", wrong.Select(s => $"{s}×{times.GetValueOrDefault(s)}"))}");
        }
    }
}
