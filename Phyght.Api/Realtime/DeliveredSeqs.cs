using System.Collections.Concurrent;

namespace Phyght.Api.Realtime;

/// <summary>
/// Which change-feed seqs this instance has handed to its subscribers: every seq at or below <see cref="SweptUpTo"/>
/// (checked against the feed by a sweep), and the ones above it claimed since. A seq is claimed once, by whichever of
/// live delivery and a sweep gets it first; a claim whose delivery fails is released, and a sweep never moves the
/// watermark past a claim still on its way, so the next sweep delivers a released one.
/// </summary>
public sealed class DeliveredSeqs(long sweptUpTo)
{
    private const byte OnItsWay = 0;
    private const byte Done = 1;

    private readonly ConcurrentDictionary<long, byte> _claims = new();
    private long _sweptUpTo = sweptUpTo;

    public long SweptUpTo => Interlocked.Read(ref _sweptUpTo);

    public bool Contains(long seq) => seq <= SweptUpTo || _claims.ContainsKey(seq);

    /// <summary>True for the one caller that is to deliver <paramref name="seq"/>; it then calls <see cref="Complete"/>
    /// or <see cref="Release"/>.</summary>
    public bool TryClaim(long seq)
    {
        // Claimed before the watermark is read: a sweep moves the watermark before it drops the claims below it, so a
        // claim that lands after the drop sees the new watermark.
        if (!_claims.TryAdd(seq, OnItsWay))
        {
            return false;
        }
        if (seq <= SweptUpTo)
        {
            _claims.TryRemove(seq, out _);
            return false;
        }
        return true;
    }

    public void Complete(long seq) => _claims[seq] = Done;

    /// <summary>The claimed seq was not delivered after all (it failed on its way): the next sweep delivers it.</summary>
    public void Release(long seq) => _claims.TryRemove(seq, out _);

    /// <summary>
    /// One page of a sweep: <paramref name="feed"/> is the feed after <see cref="SweptUpTo"/> in seq order. The page ends
    /// before the first row created after <paramref name="settledBefore"/> (it may still be on its way through Redis) and
    /// before the first claim still on its way (its delivery may yet fail). Answers the seqs on the page no one claimed,
    /// and the seq the watermark moves to once they are delivered.
    /// </summary>
    public (List<long> Unclaimed, long UpTo) Check(IReadOnlyList<(long Seq, DateTimeOffset CreatedAt)> feed, DateTimeOffset settledBefore)
    {
        var unclaimed = new List<long>();
        var upTo = SweptUpTo;
        foreach (var (seq, createdAt) in feed)
        {
            if (createdAt > settledBefore)
            {
                break;
            }
            if (!_claims.TryGetValue(seq, out var state))
            {
                unclaimed.Add(seq);
            }
            else if (state == OnItsWay)
            {
                break;
            }
            upTo = seq;
        }
        return (unclaimed, upTo);
    }

    /// <summary>Everything up to <paramref name="upTo"/> is delivered: the watermark moves there and the claims at or below
    /// it are dropped.</summary>
    public void Advance(long upTo)
    {
        long seen;
        while ((seen = Interlocked.Read(ref _sweptUpTo)) < upTo && Interlocked.CompareExchange(ref _sweptUpTo, upTo, seen) != seen)
        {
        }
        foreach (var seq in _claims.Keys)
        {
            if (seq <= upTo)
            {
                _claims.TryRemove(seq, out _);
            }
        }
    }
}
