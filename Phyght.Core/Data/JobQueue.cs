using System.Diagnostics;
using Microsoft.EntityFrameworkCore;

namespace Phyght.Core.Data;

/// <summary>Who claims jobs and for how long: past the lease, another worker may take the job again. The API, which
/// only enqueues, has none.</summary>
public sealed record JobQueueSettings(string WorkerId, TimeSpan Lease);

/// <summary>
/// The processing queue in PostgreSQL, and the only writer of <c>processing_jobs</c>: enqueue (in the upload's
/// transaction), claim with FOR UPDATE SKIP LOCKED under an expiring lease (so several workers never run one job at
/// once and a dead worker's job is taken again), renew the lease while working, release it when stopping, and the ends
/// of an attempt: succeed, retry later, dead-letter.
/// </summary>
public sealed class JobQueue(PhyghtDbContext db, TimeProvider time, JobQueueSettings? settings = null)
{
    private JobQueueSettings Worker => settings ?? throw new InvalidOperationException("Only a worker (with JobQueueSettings) claims jobs.");

    /// <summary>Adds a job for the video's current file to the caller's unit of work (saved with its transaction).</summary>
    public void Enqueue(Guid videoId, DateTimeOffset now) => db.ProcessingJobs.Add(new ProcessingJob
    {
        Id = Guid.NewGuid(),
        VideoId = videoId,
        State = JobState.Queued,
        RunAfter = now,
        CreatedAt = now,
        UpdatedAt = now,
        TraceParent = Activity.Current?.Id,
    });

    /// <summary>Marks the video's queued and running jobs done (an external processor did the work).</summary>
    public Task<int> SucceedOpenJobsOfAsync(Guid videoId, DateTimeOffset now, CancellationToken ct) =>
        db.ProcessingJobs.Where(j => j.VideoId == videoId && (j.State == JobState.Queued || j.State == JobState.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobState.Succeeded).SetProperty(j => j.UpdatedAt, now), ct);

    public Task<ProcessingJob?> ClaimAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        return db.ClaimNextJobAsync(Worker.WorkerId, now, now + Worker.Lease, ct);
    }

    public Task<bool> SucceedAsync(ProcessingJob job, CancellationToken ct) => FinishAsync(job, JobState.Succeeded, null, null, ct);

    public Task<bool> RetryLaterAsync(ProcessingJob job, string error, TimeSpan backoff, CancellationToken ct) =>
        FinishAsync(job, JobState.Queued, error, time.GetUtcNow() + backoff, ct);

    public Task<bool> DeadLetterAsync(ProcessingJob job, string error, CancellationToken ct) => FinishAsync(job, JobState.Dead, error, null, ct);

    /// <summary>Extends the lease of a job this worker still holds (while it works on it); false when it was lost.</summary>
    public async Task<bool> RenewAsync(ProcessingJob job, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var leaseUntil = now + Worker.Lease;
        return await Held(job).ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseUntil, leaseUntil).SetProperty(j => j.UpdatedAt, now), ct) == 1;
    }

    /// <summary>Gives a held job back at once, the attempt not counted: the worker is stopping, not failing.</summary>
    public async Task<bool> ReleaseAsync(ProcessingJob job, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        return await Held(job).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.State, JobState.Queued)
            .SetProperty(j => j.Attempts, j => j.Attempts - 1)
            .SetProperty(j => j.RunAfter, now)
            .SetProperty(j => j.LeaseUntil, (DateTimeOffset?)null)
            .SetProperty(j => j.UpdatedAt, now), ct) == 1;
    }

    /// <summary>The job's row if this worker's attempt still holds it: same worker, same attempt, still running.</summary>
    private IQueryable<ProcessingJob> Held(ProcessingJob job)
    {
        var worker = Worker.WorkerId;
        var attempts = job.Attempts;
        return db.ProcessingJobs.Where(j => j.Id == job.Id && j.LeasedBy == worker && j.State == JobState.Running && j.Attempts == attempts);
    }

    /// <summary>Ends a job this worker still holds; false when its lease was lost to another worker.</summary>
    public async Task<bool> FinishAsync(ProcessingJob job, JobState state, string? error, DateTimeOffset? runAfter, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var updated = await Held(job)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.State, state)
                .SetProperty(j => j.LastError, error)
                .SetProperty(j => j.RunAfter, j => runAfter ?? j.RunAfter)
                .SetProperty(j => j.LeaseUntil, (DateTimeOffset?)null)
                .SetProperty(j => j.UpdatedAt, now), ct);
        return updated == 1;
    }

    public async Task<(long Depth, double OldestAgeSeconds)> MeasureAsync(CancellationToken ct)
    {
        var waiting = db.ProcessingJobs.Where(j => j.State == JobState.Queued);
        var depth = await waiting.LongCountAsync(ct);
        var oldest = await waiting.MinAsync(j => (DateTimeOffset?)j.CreatedAt, ct);
        return (depth, oldest is { } o ? (time.GetUtcNow() - o).TotalSeconds : 0);
    }
}
