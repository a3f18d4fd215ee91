namespace Phyght.Core.Crdt;

/// <summary>The identity of one op: its actor and that actor's seq.</summary>
public readonly record struct Dot(string Actor, long Seq)
{
    public override string ToString() => $"{Actor}:{Seq}";
}

/// <summary>Total order of ops: lamport as integers, then actor compared ordinally.</summary>
public readonly record struct Stamp(long Lamport, string Actor) : IComparable<Stamp>
{
    public int CompareTo(Stamp other)
    {
        var byLamport = Lamport.CompareTo(other.Lamport);
        return byLamport != 0 ? byLamport : string.CompareOrdinal(Actor, other.Actor);
    }

    public static bool operator >(Stamp left, Stamp right) => left.CompareTo(right) > 0;

    public static bool operator <(Stamp left, Stamp right) => left.CompareTo(right) < 0;

    public static bool operator >=(Stamp left, Stamp right) => left.CompareTo(right) >= 0;

    public static bool operator <=(Stamp left, Stamp right) => left.CompareTo(right) <= 0;
}
