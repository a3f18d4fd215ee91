namespace Phyght.Api.Sync;

/// <summary>
/// Group commit: work for one key (a video) queues behind the work in progress for that key, and the first in line
/// applies everything queued meanwhile, up to <paramref name="maxWeight"/>, in one go; the next in line then leads the
/// next group. Writes to one video are serial anyway (its row lock), so a batch waits no longer than it would for the
/// lock, but the transaction's fixed costs (the lock, the change-feed row, the commit's flush, the publish) are paid
/// once per group instead of once per batch. Every item gets its own result; an exception fails its whole group.
/// </summary>
public sealed class GroupCommit<TKey, TItem, TResult>(int maxWeight) where TKey : notnull
{
    private readonly Dictionary<TKey, Queue<Entry>> _queues = [];

    /// <summary>Runs <paramref name="item"/> in a group for <paramref name="key"/>. <paramref name="apply"/> is called only
    /// if this caller leads a group, with the group's items in arrival order, and answers one result per item.</summary>
    public async Task<Grouped> RunAsync(TKey key, TItem item, int weight, Func<TKey, IReadOnlyList<TItem>, Task<TResult[]>> apply)
    {
        var entry = new Entry(item, weight);
        bool leads;
        lock (_queues)
        {
            leads = !_queues.TryGetValue(key, out var queue);
            if (leads)
            {
                _queues[key] = queue = new Queue<Entry>();
            }
            queue!.Enqueue(entry);
        }
        if (!leads && await entry.Turn.Task)
        {
            return entry.Outcome;
        }
        List<Entry> group;
        lock (_queues)
        {
            group = TakeGroup(_queues[key]);
        }
        try
        {
            var results = await apply(key, [.. group.Select(e => e.Item)]);
            for (var i = 0; i < group.Count; i++)
            {
                group[i].Outcome = new Grouped(results[i], group.Count);
                if (group[i] != entry)
                {
                    group[i].Turn.SetResult(true);
                }
            }
            return entry.Outcome;
        }
        catch (Exception ex)
        {
            foreach (var member in group.Where(e => e != entry))
            {
                member.Turn.TrySetException(ex);
            }
            throw;
        }
        finally
        {
            PassTheLead(key);
        }
    }

    /// <summary>What one item's group did for it, and how many items the group held.</summary>
    public readonly record struct Grouped(TResult Result, int GroupSize);

    private List<Entry> TakeGroup(Queue<Entry> queue)
    {
        var group = new List<Entry> { queue.Dequeue() };
        var weight = group[0].Weight;
        while (queue.TryPeek(out var next) && weight + next.Weight <= maxWeight)
        {
            weight += next.Weight;
            group.Add(queue.Dequeue());
        }
        return group;
    }

    private void PassTheLead(TKey key)
    {
        Entry? next;
        lock (_queues)
        {
            var queue = _queues[key];
            if (!queue.TryPeek(out next))
            {
                _queues.Remove(key);
            }
        }
        next?.Turn.SetResult(false);
    }

    private sealed class Entry(TItem item, int weight)
    {
        public TItem Item { get; } = item;
        public int Weight { get; } = weight;

        /// <summary>True: a group applied this item (<see cref="Outcome"/> is set); false: its turn to lead.</summary>
        public TaskCompletionSource<bool> Turn { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Grouped Outcome { get; set; }
    }
}
