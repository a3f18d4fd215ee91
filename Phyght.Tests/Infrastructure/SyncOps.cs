namespace Phyght.Tests.Infrastructure;

/// <summary>Ops as a client sends them in a <c>POST /sync</c> body.</summary>
internal static class SyncOps
{
    /// <summary>One <c>add_tag</c> per seq of <paramref name="actor"/> (tag <c>tag{seq}</c>, lamport 100 + seq), each
    /// having seen the actor's previous op.</summary>
    public static object[] AddTags(string actor, IEnumerable<long> seqs) =>
    [
        .. seqs.Select(seq => new
        {
            actor,
            seq,
            lamport = 100 + seq,
            type = "add_tag",
            value = $"tag{seq}",
            context = new Dictionary<string, long> { [actor] = seq - 1 },
        }),
    ];
}
