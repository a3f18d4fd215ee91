using System.Collections.Immutable;

namespace Phyght.Core.Crdt;

/// <summary>How two vector clocks relate: which ops each holds that the other lacks.</summary>
public enum ClockOrder
{
    Equal,
    Before,
    After,
    Concurrent,
}

/// <summary><c>{actor: highest seq seen}</c>: names exactly the set of ops a replica holds. Immutable.</summary>
public sealed class VectorClock : IEquatable<VectorClock>
{
    public static readonly VectorClock Empty = new(ImmutableSortedDictionary.Create<string, long>(StringComparer.Ordinal));

    private VectorClock(ImmutableSortedDictionary<string, long> entries) => Entries = entries;

    public ImmutableSortedDictionary<string, long> Entries { get; }

    public static VectorClock From(IEnumerable<KeyValuePair<string, long>>? entries)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
        foreach (var (actor, seq) in entries ?? [])
        {
            if (seq > 0)
            {
                builder[actor] = Math.Max(seq, builder.GetValueOrDefault(actor));
            }
        }
        return new VectorClock(builder.ToImmutable());
    }

    public long this[string actor] => Entries.GetValueOrDefault(actor);

    /// <summary>The number of actors it names.</summary>
    public int Count => Entries.Count;

    /// <summary>The number of ops the clock names.</summary>
    public long Total => Entries.Values.Sum();

    public bool Covers(Dot dot) => this[dot.Actor] >= dot.Seq;

    public VectorClock With(Dot dot) => dot.Seq <= this[dot.Actor] ? this : new VectorClock(Entries.SetItem(dot.Actor, dot.Seq));

    /// <summary>The entries above <paramref name="clock"/>'s: what this clock covers that <paramref name="clock"/> does not.</summary>
    public VectorClock Above(VectorClock clock) =>
        Entries.All(e => e.Value > clock[e.Key]) ? this : new VectorClock(Entries.Where(e => e.Value > clock[e.Key]).ToImmutableSortedDictionary(StringComparer.Ordinal));

    public VectorClock Merge(VectorClock other)
    {
        var result = Entries.ToBuilder();
        foreach (var (actor, seq) in other.Entries)
        {
            if (seq > result.GetValueOrDefault(actor))
            {
                result[actor] = seq;
            }
        }
        return new VectorClock(result.ToImmutable());
    }

    /// <summary><see cref="ClockOrder.Before"/>: this clock lacks ops <paramref name="other"/> has, and has none it lacks.</summary>
    public ClockOrder CompareTo(VectorClock other)
    {
        bool thisAhead = false, otherAhead = false;
        foreach (var actor in Entries.Keys.Union(other.Entries.Keys))
        {
            var mine = this[actor];
            var theirs = other[actor];
            thisAhead |= mine > theirs;
            otherAhead |= theirs > mine;
        }
        return (thisAhead, otherAhead) switch
        {
            (false, false) => ClockOrder.Equal,
            (false, true) => ClockOrder.Before,
            (true, false) => ClockOrder.After,
            _ => ClockOrder.Concurrent,
        };
    }

    public bool Equals(VectorClock? other) => other is not null && CompareTo(other) == ClockOrder.Equal;

    public override bool Equals(object? obj) => Equals(obj as VectorClock);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var (actor, seq) in Entries)
        {
            hash.Add(actor, StringComparer.Ordinal);
            hash.Add(seq);
        }
        return hash.ToHashCode();
    }

    public override string ToString() => "{" + string.Join(", ", Entries.Select(e => $"{e.Key}: {e.Value}")) + "}";
}
