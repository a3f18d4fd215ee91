extern alias PhyghtApi;
using System.Collections.Concurrent;
using PhyghtApi::Phyght.Api.Sync;

namespace Phyght.Tests.Unit.Api;

/// <summary>The group commit behind <c>POST /sync</c>: work for one video runs one group at a time, what queues
/// meanwhile goes in the next group in arrival order, each item gets its own result, and a failure stays in its group.</summary>
public sealed class GroupCommitTests
{
    /// <summary>An apply whose first call waits for <see cref="Release"/>, recording every group it is given.</summary>
    private sealed class BlockingApply
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public ConcurrentQueue<int[]> Groups { get; } = new();
        public Func<int[], Exception?> FailWith { get; init; } = _ => null;
        private int _calls;

        public async Task<int[]> ApplyAsync(string key, IReadOnlyList<int> items)
        {
            Groups.Enqueue([.. items]);
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Entered.SetResult();
                await _release.Task;
            }
            if (FailWith([.. items]) is { } failure)
            {
                throw failure;
            }
            return [.. items.Select(i => i * 10)];
        }

        public void Release() => _release.SetResult();
    }

    [Fact]
    public async Task What_queues_behind_a_group_is_applied_in_the_next_group_in_arrival_order_each_with_its_own_result()
    {
        var groups = new GroupCommit<string, int, int>(maxWeight: 100);
        var apply = new BlockingApply();
        var first = groups.RunAsync("video", 0, 1, apply.ApplyAsync);
        await apply.Entered.Task;
        var queued = Enumerable.Range(1, 5).Select(i => groups.RunAsync("video", i, 1, apply.ApplyAsync)).ToArray();

        apply.Release();
        var results = await Task.WhenAll([first, .. queued]);

        Assert.Equal([[0], [1, 2, 3, 4, 5]], apply.Groups.ToArray());
        Assert.Equal([0, 10, 20, 30, 40, 50], results.Select(r => r.Result));
        Assert.Equal([1, 5, 5, 5, 5, 5], results.Select(r => r.GroupSize));
    }

    [Fact]
    public async Task A_group_holds_at_most_the_weight_it_is_given()
    {
        var groups = new GroupCommit<string, int, int>(maxWeight: 3);
        var apply = new BlockingApply();
        var first = groups.RunAsync("video", 0, 1, apply.ApplyAsync);
        await apply.Entered.Task;
        var queued = Enumerable.Range(1, 5).Select(i => groups.RunAsync("video", i, i == 4 ? 5 : 1, apply.ApplyAsync)).ToArray();

        apply.Release();
        await Task.WhenAll([first, .. queued]);

        // Item 4 outweighs the bound alone: it goes in a group of its own rather than waiting forever.
        Assert.Equal([[0], [1, 2, 3], [4], [5]], apply.Groups.ToArray());
    }

    [Fact]
    public async Task Other_keys_do_not_wait_for_a_group_in_progress()
    {
        var groups = new GroupCommit<string, int, int>(maxWeight: 100);
        var apply = new BlockingApply();
        var blocked = groups.RunAsync("busy video", 0, 1, apply.ApplyAsync);
        await apply.Entered.Task;

        var other = await groups.RunAsync("other video", 7, 1, apply.ApplyAsync);

        Assert.Equal(70, other.Result);
        Assert.False(blocked.IsCompleted);
        apply.Release();
        Assert.Equal(0, (await blocked).Result);
    }

    [Fact]
    public async Task A_failing_group_fails_its_own_items_and_the_next_group_still_runs()
    {
        var groups = new GroupCommit<string, int, int>(maxWeight: 2);
        var apply = new BlockingApply { FailWith = items => items.Contains(1) ? new InvalidOperationException("database down") : null };
        var first = groups.RunAsync("video", 0, 1, apply.ApplyAsync);
        await apply.Entered.Task;
        var failing = new[] { groups.RunAsync("video", 1, 1, apply.ApplyAsync), groups.RunAsync("video", 2, 1, apply.ApplyAsync) };
        var after = groups.RunAsync("video", 3, 1, apply.ApplyAsync);

        apply.Release();

        Assert.Equal(0, (await first).Result);
        foreach (var item in failing)
        {
            Assert.Equal("database down", (await Assert.ThrowsAsync<InvalidOperationException>(() => item)).Message);
        }
        Assert.Equal(30, (await after).Result);
        // The key's queue is gone once idle: the next caller leads at once.
        Assert.Equal(40, (await groups.RunAsync("video", 4, 1, apply.ApplyAsync)).Result);
    }

    [Fact]
    public async Task A_failing_leader_passes_the_lead_to_what_queued_behind_it()
    {
        var groups = new GroupCommit<string, int, int>(maxWeight: 100);
        var apply = new BlockingApply { FailWith = items => items.Contains(0) ? new TimeoutException() : null };
        var first = groups.RunAsync("video", 0, 1, apply.ApplyAsync);
        await apply.Entered.Task;
        var queued = groups.RunAsync("video", 1, 1, apply.ApplyAsync);

        apply.Release();

        await Assert.ThrowsAsync<TimeoutException>(() => first);
        Assert.Equal(10, (await queued).Result);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Under_contention_no_key_runs_two_groups_at_once_and_every_item_is_applied_exactly_once(int seed)
    {
        var random = new Random(seed);
        var groups = new GroupCommit<int, int, int>(maxWeight: 8);
        var running = new int[3];
        var applied = new ConcurrentBag<int>();
        var overlaps = 0;
        async Task<int[]> ApplyAsync(int key, IReadOnlyList<int> items)
        {
            if (Interlocked.Increment(ref running[key]) != 1)
            {
                Interlocked.Increment(ref overlaps);
            }
            await Task.Yield();
            foreach (var item in items)
            {
                applied.Add(item);
            }
            Interlocked.Decrement(ref running[key]);
            return [.. items.Select(i => -i)];
        }
        var work = Enumerable.Range(0, 600).Select(i => (Item: i, Key: random.Next(3), Weight: random.Next(1, 5))).ToArray();

        var results = await Task.WhenAll(work.Select(w => Task.Run(() => groups.RunAsync(w.Key, w.Item, w.Weight, ApplyAsync))));

        Assert.True(overlaps == 0, $"seed {seed}: {overlaps} groups ran alongside another of their key");
        Assert.True(applied.Order().SequenceEqual(work.Select(w => w.Item)), $"seed {seed}: items applied other than exactly once");
        Assert.True(results.Select(r => r.Result).SequenceEqual(work.Select(w => -w.Item)), $"seed {seed}: an item got another's result");
    }
}
