using Microsoft.EntityFrameworkCore;

namespace Phyght.Core.Data;

/// <summary>Who claims jobs and for how long: past the lease, another worker may take the job again.</summary>
public sealed record JobQueueSettings(string WorkerId, TimeSpan Lease);

/// <summary>The processing queue in PostgreSQL: claims with FOR UPDATE SKIP LOCKED under an expiring lease, so
/// several workers never run one job at once and a dead worker's job is taken again.</summary>
public sealed class JobQueue(PhyghtDbContext db, JobQueueSettings settings, TimeProvider time)
{
    /// <summary>Takes the next runnable job (queued and due, or running with a lapsed lease), or null.</summary>
    public async Task<ProcessingJob?> ClaimAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var leaseUntil = now + settings.Lease;
        var worker = settings.WorkerId;
        var jobs = await db.ProcessingJobs.FromSqlInterpolated($"""
            UPDATE processing_jobs SET state = 'running', attempts = attempts + 1, lease_until = {leaseUntil},
                   leased_by = {worker}, updated_at = {now}
            WHERE id = (
                SELECT id FROM processing_jobs
                WHERE (state = 'queued' AND run_after <= {now}) OR (state = 'running' AND lease_until < {now})
                ORDER BY run_after
                LIMIT 1
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(ct);
        return jobs.SingleOrDefault();
    }

    /// <summary>Ends a job this worker still holds; false when its lease was lost to another worker.</summary>
    public async Task<bool> FinishAsync(ProcessingJob job, JobState state, string? error, DateTimeOffset? runAfter, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var worker = settings.WorkerId;
        var attempts = job.Attempts;
        var updated = await db.ProcessingJobs
            .Where(j => j.Id == job.Id && j.LeasedBy == worker && j.State == JobState.Running && j.Attempts == attempts)
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
