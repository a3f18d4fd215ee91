namespace Phyght.Core.Crdt;

/// <summary>A last-writer-wins register: the value of the op with the greatest stamp.</summary>
public sealed record Register<T>(T Value, Stamp? Stamp, Dot? Dot, VectorClock? Context)
{
    public static Register<T> Initial(T value) => new(value, null, null, null);

    /// <summary>The register after <paramref name="op"/>; <paramref name="concurrent"/> when the outcome was decided
    /// by stamp order against an op neither side had seen.</summary>
    public Register<T> Apply(Operation op, T value, out bool concurrent)
    {
        concurrent = Dot is { } dot
            && !Operation.Sees(op.Actor, op.Seq, op.Context, dot)
            && !Operation.Sees(dot.Actor, dot.Seq, Context, op.Dot);
        return Stamp is { } winner && winner >= op.Stamp ? this : new Register<T>(value, op.Stamp, op.Dot, op.Context);
    }

    /// <summary>The context's entries a later op can still be covered by (see <see cref="VideoDocument.Compact"/>).</summary>
    public Register<T> Compact(VectorClock clock) => Context is null ? this : this with { Context = Context.Above(clock) };
}
