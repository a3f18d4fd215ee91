using Phyght.Core.Crdt;

namespace Phyght.Tests.Unit.Crdt;

/// <summary>
/// A random editing history: replicas make ops on their own copy (context = their clock, lamport above all they
/// hold) and exchange ops pairwise in random per-actor-ordered interleavings. Fully determined by its seed.
/// </summary>
public sealed class History
{
    private static readonly string[] ActorPool = ["tab-a", "tab-B", "phone_1", "A", "a", "server", "z-9"];
    private static readonly string[] Words = ["Main event", "Prelims", "Sparring", "Title fight"];
    private static readonly string[] TagPool = ["mma", "bjj", "boxing", "judo", "muay-thai"];

    private History(int seed, IReadOnlyList<Operation> ops, IReadOnlyList<VideoDocument> replicas)
    {
        Seed = seed;
        Ops = ops;
        Replicas = replicas;
    }

    public int Seed { get; }

    /// <summary>Every op made, in creation order.</summary>
    public IReadOnlyList<Operation> Ops { get; }

    /// <summary>Each replica's state at the end (before any final exchange).</summary>
    public IReadOnlyList<VideoDocument> Replicas { get; }

    public static History Generate(int seed)
    {
        var random = new Random(seed);
        var actors = ActorPool.OrderBy(_ => random.Next()).Take(random.Next(2, 5)).ToArray();
        var docs = actors.Select(_ => VideoDocument.Empty).ToArray();
        var logs = actors.Select(_ => new List<Operation>()).ToArray();
        var all = new List<Operation>();
        var steps = random.Next(1, 40);
        for (var step = 0; step < steps; step++)
        {
            var r = random.Next(actors.Length);
            if (random.NextDouble() < 0.7)
            {
                var op = MakeOp(random, actors[r], docs[r]);
                docs[r] = docs[r].Apply(op, out var status);
                Assert.Equal(ApplyStatus.Applied, status);
                logs[r].Add(op);
                all.Add(op);
            }
            else
            {
                var from = random.Next(actors.Length);
                foreach (var op in Deliveries(random, logs[from].Where(o => !docs[r].Clock.Covers(o.Dot)), duplicates: false))
                {
                    docs[r] = docs[r].Apply(op, out _);
                    logs[r].Add(op);
                }
            }
        }
        return new History(seed, all, docs);
    }

    /// <summary>The ops in a random order that keeps each actor's seq order, with random duplicates mixed in.</summary>
    public static IEnumerable<Operation> Deliveries(Random random, IEnumerable<Operation> ops, bool duplicates)
    {
        var queues = ops.GroupBy(o => o.Actor).Select(g => new Queue<Operation>(g.OrderBy(o => o.Seq))).ToList();
        var delivered = new List<Operation>();
        while (queues.Count > 0)
        {
            var queue = queues[random.Next(queues.Count)];
            var op = queue.Dequeue();
            delivered.Add(op);
            yield return op;
            if (duplicates && random.NextDouble() < 0.2)
            {
                yield return delivered[random.Next(delivered.Count)];
            }
            if (queue.Count == 0)
            {
                queues.Remove(queue);
            }
        }
    }

    private static Operation MakeOp(Random random, string actor, VideoDocument doc)
    {
        var seq = doc.Clock[actor] + 1;
        var lamport = doc.MaxLamport + 1 + random.Next(2);
        var context = doc.Clock;
        var liveTags = doc.Tags;
        string Tag() => liveTags.Length > 0 && random.NextDouble() < 0.5
            ? liveTags[random.Next(liveTags.Length)]
            : TagPool[random.Next(TagPool.Length)];
        var type = (OpType)random.Next(7);
        var value = type switch
        {
            OpType.UpdateTitle => OpValue.OfText(Words[random.Next(Words.Length)]),
            OpType.UpdateDescription or OpType.UpdateCategory =>
                OpValue.OfText(random.NextDouble() < 0.2 ? null : Words[random.Next(Words.Length)]),
            OpType.UpdateFeatured => OpValue.OfFlag(random.NextDouble() < 0.5),
            OpType.AddTag or OpType.RemoveTag => OpValue.OfText(Tag()),
            _ => OpValue.OfTags(TagPool.Where(_ => random.NextDouble() < 0.3)),
        };
        // Register ops and adds carry their context only sometimes (it is optional for them).
        var sendContext = type is OpType.RemoveTag or OpType.SetTags || random.NextDouble() < 0.5;
        return new Operation(actor, seq, lamport, type, value, sendContext ? context : null);
    }

    public override string ToString() => $"seed {Seed}: {Ops.Count} ops";
}
