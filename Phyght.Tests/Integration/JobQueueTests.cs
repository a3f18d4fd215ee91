using Microsoft.EntityFrameworkCore;
using Phyght.Core.Data;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>
/// The worker's queue against the real database. The queues here run on a clock two days ahead and the jobs are due
/// tomorrow, so the stack's own worker (on the real clock) leaves them alone while these tests play the workers. They
/// have a stack of their own: on the shared one, a retry another test's upload left due later would be due on this
/// clock too, and these queues would take it.
/// </summary>
[Collection(Name)]
public sealed class JobQueueTests(StackFixture fixture)
{
    public const string Name = "job queue";

    [CollectionDefinition(Name)]
    public sealed class Stack : ICollectionFixture<StackFixture>;

    private sealed class ShiftedTime(TimeSpan offset) : TimeProvider
    {
        public TimeSpan Offset { get; set; } = offset;
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow + Offset;
    }

    /// <summary>A context on the worker's own login (the superuser's, to enqueue: only the API and uploads do).</summary>
    private async Task<PhyghtDbContext> ContextAsync(string login = "phyght-worker")
    {
        var options = new DbContextOptionsBuilder<PhyghtDbContext>()
            .UseNpgsql(await fixture.Stack.ConnectionStringAsync(login), PhyghtDbContext.ConfigureNpgsql);
        PhyghtDbContext.Configure(options);
        return new PhyghtDbContext(options.Options);
    }

    /// <summary>A worker's queue on its own connection and clock (two days ahead), with 30 s leases.</summary>
    private sealed record Worker(JobQueue Queue, ShiftedTime Clock, PhyghtDbContext Db) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Db.DisposeAsync();
    }

    private async Task<Worker> WorkerAsync(string name)
    {
        var db = await ContextAsync();
        var clock = new ShiftedTime(TimeSpan.FromDays(2));
        return new Worker(new JobQueue(db, clock, new JobQueueSettings(name, TimeSpan.FromSeconds(30))), clock, db);
    }

    private async Task<List<Guid>> EnqueueAsync(int count)
    {
        var admin = await Accounts.AdminAsync(fixture.Stack);
        await using var db = await ContextAsync("phyght");
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var video = await admin.CreateVideoAsync(new { title = $"Queued {i}" });
            var job = new ProcessingJob
            {
                Id = Guid.NewGuid(),
                VideoId = Guid.Parse(video["id"]!.GetValue<string>()),
                State = JobState.Queued,
                RunAfter = DateTimeOffset.UtcNow.AddDays(1),
                CreatedAt = DateTimeOffset.UtcNow,
                UpdatedAt = DateTimeOffset.UtcNow,
            };
            db.ProcessingJobs.Add(job);
            ids.Add(job.Id);
        }
        await db.SaveChangesAsync();
        return ids;
    }

    [Fact]
    public async Task Two_workers_on_twenty_jobs_process_each_exactly_once()
    {
        var ids = await EnqueueAsync(20);
        var claims = new System.Collections.Concurrent.ConcurrentBag<(string Worker, Guid Job)>();

        async Task Work(string worker)
        {
            await using var db = await ContextAsync();
            var queue = new JobQueue(db, new ShiftedTime(TimeSpan.FromDays(2)), new JobQueueSettings(worker, TimeSpan.FromMinutes(5)));
            while (await queue.ClaimAsync(CancellationToken.None) is { } job)
            {
                claims.Add((worker, job.Id));
                Assert.True(await queue.FinishAsync(job, JobState.Succeeded, null, null, CancellationToken.None));
            }
        }
        await Task.WhenAll(Work("worker-a"), Work("worker-b"));

        var ours = claims.Where(c => ids.Contains(c.Job)).ToList();
        Assert.Equal(20, ours.Count);
        Assert.Equal(ids.Order(), ours.Select(c => c.Job).Order());
        Assert.Equal(20, ours.Select(c => c.Job).Distinct().Count());
    }

    [Fact]
    public async Task A_job_whose_worker_died_is_taken_again_after_its_lease_and_the_dead_worker_cannot_finish_it()
    {
        var id = (await EnqueueAsync(1))[0];
        await using var a = await WorkerAsync("worker-a");
        await using var b = await WorkerAsync("worker-b");

        var claimedByA = await a.Queue.ClaimAsync(CancellationToken.None);
        Assert.Equal(id, claimedByA?.Id);

        // A "dies" holding the job. Within the lease B gets nothing; after it, B takes the same job.
        b.Clock.Offset += TimeSpan.FromSeconds(10);
        Assert.Null(await b.Queue.ClaimAsync(CancellationToken.None));
        b.Clock.Offset += TimeSpan.FromSeconds(30);
        var claimedByB = await b.Queue.ClaimAsync(CancellationToken.None);
        Assert.Equal(id, claimedByB?.Id);
        Assert.Equal(2, claimedByB!.Attempts);

        Assert.False(await a.Queue.FinishAsync(claimedByA!, JobState.Succeeded, null, null, CancellationToken.None));
        Assert.True(await b.Queue.FinishAsync(claimedByB, JobState.Succeeded, null, null, CancellationToken.None));
        Assert.Equal(JobState.Succeeded, (await a.Db.ProcessingJobs.AsNoTracking().SingleAsync(j => j.Id == id)).State);
    }

    [Fact]
    public async Task A_renewed_lease_outlives_its_first_term_and_a_lost_lease_cannot_be_renewed()
    {
        var id = (await EnqueueAsync(1))[0];
        await using var a = await WorkerAsync("worker-a");
        await using var b = await WorkerAsync("worker-b");

        var claimedByA = await a.Queue.ClaimAsync(CancellationToken.None);
        Assert.Equal(id, claimedByA?.Id);

        // A works for longer than one lease, renewing as it goes: B never gets the job.
        a.Clock.Offset += TimeSpan.FromSeconds(20);
        Assert.True(await a.Queue.RenewAsync(claimedByA!, CancellationToken.None));
        b.Clock.Offset += TimeSpan.FromSeconds(40);
        Assert.Null(await b.Queue.ClaimAsync(CancellationToken.None));

        // A stalls past its renewed lease; B takes the job, and A learns at its next renewal that it lost it.
        b.Clock.Offset += TimeSpan.FromSeconds(20);
        var claimedByB = await b.Queue.ClaimAsync(CancellationToken.None);
        Assert.Equal(id, claimedByB?.Id);
        Assert.False(await a.Queue.RenewAsync(claimedByA!, CancellationToken.None));
        Assert.False(await a.Queue.ReleaseAsync(claimedByA!, CancellationToken.None));

        // B stops (SIGTERM): the job is due again at once, its attempt not counted.
        Assert.True(await b.Queue.ReleaseAsync(claimedByB!, CancellationToken.None));
        var job = await b.Db.ProcessingJobs.AsNoTracking().SingleAsync(j => j.Id == id);
        Assert.Equal((JobState.Queued, 1), (job.State, job.Attempts));
        Assert.Equal(id, (await b.Queue.ClaimAsync(CancellationToken.None))?.Id);
    }
}
