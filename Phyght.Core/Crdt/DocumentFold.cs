using System.Collections.Immutable;

namespace Phyght.Core.Crdt;

/// <summary>
/// <see cref="VideoDocument.Fold"/>'s working state: the same rules as <see cref="VideoDocument.Apply"/>, on
/// dictionaries and sets changed in place, turned into an immutable document once at the end (the immutable document
/// copied its sorted dictionaries on every op: 4.5 µs and ~1 KB per op on a 100,000-op history).
/// </summary>
internal sealed class DocumentFold
{
    private readonly Dictionary<string, long> _clock = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<Dot>> _liveTagDots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, long>> _tagRemovals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _setTagsRemovals = new(StringComparer.Ordinal);
    private long _maxLamport;
    private Register<string?> _title = Register<string?>.Initial(null);
    private Register<string?> _description = Register<string?>.Initial(null);
    private Register<string?> _category = Register<string?>.Initial(null);
    private Register<bool> _featured = Register<bool>.Initial(false);

    /// <summary>Applies the op when it is the actor's next (a duplicate or an op after a gap changes nothing).</summary>
    public void Apply(Operation op)
    {
        if (op.Seq != _clock.GetValueOrDefault(op.Actor) + 1)
        {
            return;
        }
        _clock[op.Actor] = op.Seq;
        _maxLamport = Math.Max(_maxLamport, op.Lamport);
        switch (op.Type)
        {
            case OpType.UpdateTitle:
                _title = _title.Apply(op, op.Value.Text, out _);
                break;
            case OpType.UpdateDescription:
                _description = _description.Apply(op, op.Value.Text, out _);
                break;
            case OpType.UpdateCategory:
                _category = _category.Apply(op, op.Value.Text, out _);
                break;
            case OpType.UpdateFeatured:
                _featured = _featured.Apply(op, op.Value.Flag, out _);
                break;
            case OpType.AddTag:
                AddDot(op.Value.Text!, op.Dot);
                break;
            case OpType.RemoveTag:
                var tag = op.Value.Text!;
                if (!_tagRemovals.TryGetValue(tag, out var removal))
                {
                    _tagRemovals[tag] = removal = new Dictionary<string, long>(StringComparer.Ordinal);
                }
                Merge(removal, op.Context);
                Prune(tag, op.Context);
                break;
            case OpType.SetTags:
                Merge(_setTagsRemovals, op.Context);
                foreach (var present in _liveTagDots.Keys)
                {
                    Prune(present, op.Context);
                }
                foreach (var kept in op.Value.Tags)
                {
                    AddDot(kept, op.Dot);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op.Type, "unknown op type");
        }
    }

    public VideoDocument ToDocument() => new()
    {
        Clock = VectorClock.From(_clock),
        MaxLamport = _maxLamport,
        Title = _title,
        Description = _description,
        Category = _category,
        Featured = _featured,
        LiveTagDots = _liveTagDots.ToImmutableSortedDictionary(t => t.Key, t => t.Value.ToImmutableSortedSet(DotComparer.Instance), StringComparer.Ordinal),
        TagRemovals = _tagRemovals.ToImmutableSortedDictionary(t => t.Key, t => VectorClock.From(t.Value), StringComparer.Ordinal),
        SetTagsRemovals = VectorClock.From(_setTagsRemovals),
    };

    private void AddDot(string tag, Dot dot)
    {
        if (Covers(_setTagsRemovals, dot) || (_tagRemovals.TryGetValue(tag, out var removal) && Covers(removal, dot)))
        {
            return; // born removed: a remove that had seen it arrived first
        }
        if (!_liveTagDots.TryGetValue(tag, out var dots))
        {
            _liveTagDots[tag] = dots = [];
        }
        dots.Add(dot);
    }

    /// <summary>Removes the tag's dots the context covers; a dot it had not seen survives (add wins).</summary>
    private void Prune(string tag, VectorClock? context)
    {
        if (context is null || !_liveTagDots.TryGetValue(tag, out var dots))
        {
            return;
        }
        dots.RemoveWhere(context.Covers);
        if (dots.Count == 0)
        {
            _liveTagDots.Remove(tag); // allowed while enumerating the keys (SetTags)
        }
    }

    private static bool Covers(Dictionary<string, long> clock, Dot dot) => clock.TryGetValue(dot.Actor, out var seq) && seq >= dot.Seq;

    private static void Merge(Dictionary<string, long> into, VectorClock? context)
    {
        foreach (var (actor, seq) in context?.Entries ?? ImmutableSortedDictionary<string, long>.Empty)
        {
            if (seq > into.GetValueOrDefault(actor))
            {
                into[actor] = seq;
            }
        }
    }
}
