using System.Collections.Immutable;

namespace Phyght.Core.Crdt;

/// <summary>An op's value: text (nullable) for the text registers and tags, a flag, or a tag list.</summary>
public sealed class OpValue : IEquatable<OpValue>
{
    private OpValue(string? text, bool flag, ImmutableArray<string> tags)
    {
        Text = text;
        Flag = flag;
        Tags = tags;
    }

    public string? Text { get; }

    public bool Flag { get; }

    public ImmutableArray<string> Tags { get; }

    public static OpValue OfText(string? text) => new(text, false, []);

    public static OpValue OfFlag(bool flag) => new(null, flag, []);

    public static OpValue OfTags(IEnumerable<string> tags) => new(null, false, [.. tags]);

    public bool Equals(OpValue? other) =>
        other is not null && Text == other.Text && Flag == other.Flag && Tags.SequenceEqual(other.Tags);

    public override bool Equals(object? obj) => Equals(obj as OpValue);

    public override int GetHashCode() => HashCode.Combine(Text, Flag, Tags.Length);
}

/// <summary>One CRDT operation as replicas exchange it (already validated and normalized).</summary>
public sealed record Operation(string Actor, long Seq, long Lamport, OpType Type, OpValue Value, VectorClock? Context)
{
    public Dot Dot => new(Actor, Seq);

    public Stamp Stamp => new(Lamport, Actor);

    /// <summary>Whether an op (actor, seq, context) had seen <paramref name="other"/> when it was made.</summary>
    internal static bool Sees(string actor, long seq, VectorClock? context, Dot other) =>
        (context?.Covers(other) ?? false) || (other.Actor == actor && other.Seq < seq);

    /// <summary>Same dot, same content: a true duplicate (anything else reusing the dot is a broken client).</summary>
    public bool SameBodyAs(Operation other) =>
        Dot == other.Dot && Lamport == other.Lamport && Type == other.Type && Value.Equals(other.Value)
        && (Context ?? VectorClock.Empty).Equals(other.Context ?? VectorClock.Empty);
}
