using System.Collections.Immutable;

namespace Phyght.Core.Crdt;

/// <summary>What applying one op did.</summary>
public enum ApplyStatus
{
    Applied,
    /// <summary>The dot was already held: ignored (idempotence).</summary>
    Duplicate,
    /// <summary>The actor's previous seq is missing: not applied.</summary>
    Gap,
}

/// <summary>
/// The CRDT state of one video's metadata: four LWW registers and an add-wins observed-remove tag set, with the
/// vector clock of the ops it holds. Immutable; <see cref="Apply"/> returns a new document. Pure: no I/O, no clock.
/// </summary>
public sealed record VideoDocument
{
    public static readonly VideoDocument Empty = new();

    public VectorClock Clock { get; init; } = VectorClock.Empty;

    /// <summary>The greatest lamport among held ops (0 when none).</summary>
    public long MaxLamport { get; init; }

    public Register<string?> Title { get; init; } = Register<string?>.Initial(null);

    public Register<string?> Description { get; init; } = Register<string?>.Initial(null);

    public Register<string?> Category { get; init; } = Register<string?>.Initial(null);

    public Register<bool> Featured { get; init; } = Register<bool>.Initial(false);

    /// <summary>Per tag, the add dots no remove has covered.</summary>
    public ImmutableSortedDictionary<string, ImmutableSortedSet<Dot>> LiveTagDots { get; init; } =
        ImmutableSortedDictionary.Create<string, ImmutableSortedSet<Dot>>(StringComparer.Ordinal);

    /// <summary>Per tag, the union of the contexts of its <c>remove_tag</c> ops (a dot is removed iff covered).</summary>
    public ImmutableSortedDictionary<string, VectorClock> TagRemovals { get; init; } =
        ImmutableSortedDictionary.Create<string, VectorClock>(StringComparer.Ordinal);

    /// <summary>The union of the contexts of every <c>set_tags</c> op: covers dots of every tag.</summary>
    public VectorClock SetTagsRemovals { get; init; } = VectorClock.Empty;

    /// <summary>The count of distinct ops applied.</summary>
    public long Version => Clock.Total;

    /// <summary>Present tags, ordinally sorted.</summary>
    public ImmutableArray<string> Tags => [.. LiveTagDots.Where(t => !t.Value.IsEmpty).Select(t => t.Key)];

    /// <summary>Applies one op. <paramref name="conflicts"/> receives the fields (<c>title</c>, <c>tag:mma</c>, …) whose
    /// outcome this op decided against a concurrent op.</summary>
    public VideoDocument Apply(Operation op, out ApplyStatus status, ICollection<string>? conflicts = null)
    {
        var held = Clock[op.Actor];
        if (op.Seq <= held)
        {
            status = ApplyStatus.Duplicate;
            return this;
        }
        if (op.Seq != held + 1)
        {
            status = ApplyStatus.Gap;
            return this;
        }
        status = ApplyStatus.Applied;
        var next = this with { Clock = Clock.With(op.Dot), MaxLamport = Math.Max(MaxLamport, op.Lamport) };
        bool concurrent;
        switch (op.Type)
        {
            case OpType.UpdateTitle:
                next = next with { Title = Title.Apply(op, op.Value.Text, out concurrent) };
                Note(conflicts, concurrent, "title");
                break;
            case OpType.UpdateDescription:
                next = next with { Description = Description.Apply(op, op.Value.Text, out concurrent) };
                Note(conflicts, concurrent, "description");
                break;
            case OpType.UpdateCategory:
                next = next with { Category = Category.Apply(op, op.Value.Text, out concurrent) };
                Note(conflicts, concurrent, "category");
                break;
            case OpType.UpdateFeatured:
                next = next with { Featured = Featured.Apply(op, op.Value.Flag, out concurrent) };
                Note(conflicts, concurrent, "is_featured");
                break;
            case OpType.AddTag:
                next = next.AddDot(op.Value.Text!, op.Dot);
                break;
            case OpType.RemoveTag:
                next = next.RemoveTag(op.Value.Text!, op.Context ?? VectorClock.Empty, conflicts);
                break;
            case OpType.SetTags:
                next = next.ClearTags(op.Context ?? VectorClock.Empty, op.Value.Tags, conflicts);
                foreach (var tag in op.Value.Tags)
                {
                    next = next.AddDot(tag, op.Dot);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op.Type, "unknown op type");
        }
        return next;
    }

    /// <summary>Folds a set of ops from the empty document. Any order and duplicates give the same result.</summary>
    public static VideoDocument Fold(IEnumerable<Operation> ops)
    {
        var fold = new DocumentFold();
        foreach (var op in ops.OrderBy(o => o.Actor, StringComparer.Ordinal).ThenBy(o => o.Seq))
        {
            fold.Apply(op);
        }
        return fold.ToDocument();
    }

    private bool IsRemoved(string tag, Dot dot) =>
        SetTagsRemovals.Covers(dot) || (TagRemovals.TryGetValue(tag, out var removal) && removal.Covers(dot));

    private VideoDocument AddDot(string tag, Dot dot)
    {
        if (IsRemoved(tag, dot))
        {
            return this; // born removed: a remove that had seen it arrived first
        }
        var dots = LiveTagDots.GetValueOrDefault(tag) ?? ImmutableSortedSet.Create<Dot>(DotComparer.Instance);
        return this with { LiveTagDots = LiveTagDots.SetItem(tag, dots.Add(dot)) };
    }

    private VideoDocument RemoveTag(string tag, VectorClock context, ICollection<string>? conflicts)
    {
        var removal = TagRemovals.GetValueOrDefault(tag) ?? VectorClock.Empty;
        var next = this with { TagRemovals = TagRemovals.SetItem(tag, removal.Merge(context)) };
        return next.Prune(tag, context, conflicts);
    }

    private VideoDocument ClearTags(VectorClock context, ImmutableArray<string> kept, ICollection<string>? conflicts)
    {
        var next = this with { SetTagsRemovals = SetTagsRemovals.Merge(context) };
        foreach (var tag in LiveTagDots.Keys)
        {
            next = next.Prune(tag, context, kept.Contains(tag) ? null : conflicts);
        }
        return next;
    }

    private VideoDocument Prune(string tag, VectorClock context, ICollection<string>? conflicts)
    {
        if (!LiveTagDots.TryGetValue(tag, out var dots) || dots.IsEmpty)
        {
            return this;
        }
        var survivors = dots.Where(d => !context.Covers(d)).ToImmutableSortedSet(DotComparer.Instance);
        // A dot the remove had not seen survives: add wins over a concurrent remove.
        Note(conflicts, !survivors.IsEmpty, $"tag:{tag}");
        return this with
        {
            LiveTagDots = survivors.IsEmpty ? LiveTagDots.Remove(tag) : LiveTagDots.SetItem(tag, survivors),
        };
    }

    private static void Note(ICollection<string>? conflicts, bool concurrent, string field)
    {
        if (concurrent && conflicts is not null && !conflicts.Contains(field))
        {
            conflicts.Add(field);
        }
    }

    /// <summary>
    /// The same document with only what can still decide an outcome (crdt.md "State size"), so the stored state
    /// follows the live state rather than the history. Any later op of actor <c>a</c> has a seq above
    /// <c>Clock[a]</c>: a remove or register context entry at or below it can cover no future dot. And a context that
    /// covers an actor's greatest live dot of a tag covers its lower ones too, so only that one is kept.
    /// </summary>
    public VideoDocument Compact() => this with
    {
        Title = Title.Compact(Clock),
        Description = Description.Compact(Clock),
        Category = Category.Compact(Clock),
        Featured = Featured.Compact(Clock),
        LiveTagDots = LiveTagDots.ToImmutableSortedDictionary(
            t => t.Key,
            t => t.Value.GroupBy(d => d.Actor).Select(g => g.Max(DotComparer.Instance)).ToImmutableSortedSet(DotComparer.Instance),
            StringComparer.Ordinal),
        TagRemovals = TagRemovals
            .Select(t => KeyValuePair.Create(t.Key, t.Value.Above(Clock)))
            .Where(t => t.Value.Count > 0)
            .ToImmutableSortedDictionary(StringComparer.Ordinal),
        SetTagsRemovals = SetTagsRemovals.Above(Clock),
    };

    /// <summary>Whether both documents decide every later op the same way: equal once compacted.</summary>
    public bool StateEquals(VideoDocument other)
    {
        var (left, right) = (Compact(), other.Compact());
        return left.Clock.Equals(right.Clock) && left.MaxLamport == right.MaxLamport
            && left.Title == right.Title && left.Description == right.Description && left.Category == right.Category && left.Featured == right.Featured
            && left.LiveTagDots.Count == right.LiveTagDots.Count
            && left.LiveTagDots.All(t => right.LiveTagDots.TryGetValue(t.Key, out var o) && o.SetEquals(t.Value))
            && left.TagRemovals.Count == right.TagRemovals.Count
            && left.TagRemovals.All(t => right.TagRemovals.TryGetValue(t.Key, out var o) && o.Equals(t.Value))
            && left.SetTagsRemovals.Equals(right.SetTagsRemovals);
    }
}

/// <summary>Dots ordered by actor (ordinal), then seq.</summary>
public sealed class DotComparer : IComparer<Dot>
{
    public static readonly DotComparer Instance = new();

    public int Compare(Dot x, Dot y)
    {
        var byActor = string.CompareOrdinal(x.Actor, y.Actor);
        return byActor != 0 ? byActor : x.Seq.CompareTo(y.Seq);
    }
}
