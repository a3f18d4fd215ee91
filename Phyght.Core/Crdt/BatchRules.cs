namespace Phyght.Core.Crdt;

/// <summary>The verdict on a <c>/sync</c> batch (crdt.md rules 3–6): accepted as a whole, or the first reason it is not.</summary>
public abstract record BatchVerdict
{
    /// <summary>The ops the document lacks, de-duplicated, in per-actor seq order.</summary>
    public sealed record Accepted(IReadOnlyList<Operation> Fresh) : BatchVerdict;
    public sealed record DotReused(int Index, Dot Dot) : BatchVerdict;
    public sealed record Gap(string Actor, long MissingFrom, long MissingTo) : BatchVerdict;
    public sealed record Invalid(int Index, string Message) : BatchVerdict;
}

/// <summary>
/// Whole-batch checks, pure: fed the document before the batch and the stored facts they need (the stored bodies of
/// the batch's dots the document already holds, and each fresh actor's last lamport), so they are tested without a server.
/// </summary>
public static class BatchRules
{
    /// <summary>The batch's dots the document already holds: their stored bodies must be compared (rule 3).</summary>
    public static IReadOnlyList<Dot> HeldDots(VideoDocument before, IReadOnlyList<Operation> ops) =>
        [.. ops.Where(o => before.Clock.Covers(o.Dot)).Select(o => o.Dot).Distinct()];

    /// <summary>Actors with ops the document lacks: their last stored lamport is needed (lamports must grow).</summary>
    public static IReadOnlyList<string> FreshActors(VideoDocument before, IReadOnlyList<Operation> ops) =>
        [.. ops.Where(o => !before.Clock.Covers(o.Dot)).Select(o => o.Actor).Distinct()];

    public static BatchVerdict Check(VideoDocument before, IReadOnlyList<Operation> ops, IReadOnlyDictionary<Dot, Operation> storedHeld,
        IReadOnlyDictionary<string, long> lastLamports, long maxLamportLead)
    {
        var seen = new Dictionary<Dot, Operation>();
        for (var i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            if ((seen.TryGetValue(op.Dot, out var earlier) && !earlier.SameBodyAs(op))
                || (storedHeld.TryGetValue(op.Dot, out var stored) && !stored.SameBodyAs(op)))
            {
                return new BatchVerdict.DotReused(i, op.Dot);
            }
            seen.TryAdd(op.Dot, op);
        }
        // Rule 5: lamports within reach of the server's, and no claim to have seen server ops that do not exist yet.
        var maxLamport = before.MaxLamport > long.MaxValue - maxLamportLead ? long.MaxValue : before.MaxLamport + maxLamportLead;
        for (var i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            if (before.Clock.Covers(op.Dot))
            {
                continue;
            }
            if (op.Lamport > maxLamport)
            {
                return new BatchVerdict.Invalid(i, $"lamport {op.Lamport} is more than {maxLamportLead} ahead of the server's ({before.MaxLamport}).");
            }
            if (op.Context?.Entries.FirstOrDefault(e => ServerActors.IsServer(e.Key) && e.Value > before.Clock[e.Key]) is { Key: not null } future)
            {
                return new BatchVerdict.Invalid(i, $"context names {future.Key}'s op {future.Value}, which the server has not made (it is at {before.Clock[future.Key]}).");
            }
        }
        var fresh = new List<Operation>();
        foreach (var group in seen.Values.Where(o => !before.Clock.Covers(o.Dot)).GroupBy(o => o.Actor).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var expected = before.Clock[group.Key] + 1;
            var lamport = lastLamports.GetValueOrDefault(group.Key);
            foreach (var op in group.OrderBy(o => o.Seq))
            {
                if (op.Seq != expected)
                {
                    return new BatchVerdict.Gap(group.Key, expected, op.Seq - 1);
                }
                if (op.Lamport <= lamport)
                {
                    var index = IndexOf(ops, op.Dot);
                    return new BatchVerdict.Invalid(index, $"lamport must be greater than the lamport of {op.Actor}'s previous op ({lamport}).");
                }
                fresh.Add(op);
                lamport = op.Lamport;
                expected++;
            }
        }
        return new BatchVerdict.Accepted(fresh);
    }

    private static int IndexOf(IReadOnlyList<Operation> ops, Dot dot)
    {
        for (var i = 0; i < ops.Count; i++)
        {
            if (ops[i].Dot == dot)
            {
                return i;
            }
        }
        return -1;
    }
}
