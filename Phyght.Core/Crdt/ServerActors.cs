namespace Phyght.Core.Crdt;

/// <summary>The server's own actors (crdt.md rule 8): one per user editing through the API, and the worker's.</summary>
public static class ServerActors
{
    /// <summary>Actors starting with this are the server's own; clients may not use them.</summary>
    public const string Prefix = "server-";

    public static string For(Guid userId) => $"{Prefix}{userId:N}";

    public static bool IsServer(string actor) => actor.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Ops of a server actor for the given changes: seqs after the actor's last, lamports above every one
    /// held. Checked arithmetic: a document at the lamport bound refuses further ops instead of wrapping.</summary>
    public static IReadOnlyList<Operation> Ops(VideoDocument document, string actor, IEnumerable<(OpType Type, OpValue Value)> changes)
    {
        var ops = new List<Operation>();
        var context = document.Clock;
        var seq = context[actor];
        var lamport = document.MaxLamport;
        foreach (var (type, value) in changes)
        {
            seq = checked(seq + 1);
            lamport = checked(lamport + 1);
            var op = new Operation(actor, seq, lamport, type, value, context);
            ops.Add(op);
            context = context.With(op.Dot);
        }
        return ops;
    }
}
