using Microsoft.Extensions.Options;

namespace Phyght.Worker.Processing;

/// <summary>The processing queue in PostgreSQL: claims with FOR UPDATE SKIP LOCKED under an expiring lease.</summary>
public sealed class JobQueue(PhyghtDbContext db, IOptions<ProcessingOptions> options, TimeProvider time)
{
    /// <summary>Takes the next runnable job (queued and due, or running with a lapsed lease), or null.</summary>
    public async Task<ProcessingJob?> ClaimAsync(CancellationToken ct)
    {
        var lease = TimeSpan.FromSeconds(options.Value.LeaseSeconds);
        var now = time.GetUtcNow();
        var leaseUntil = now + lease;
        var worker = options.Value.WorkerId;
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
    public async Task<bool> FinishAsync(Guid jobId, JobState state, string? error, DateTimeOffset? runAfter, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var worker = options.Value.WorkerId;
        var updated = await db.ProcessingJobs
            .Where(j => j.Id == jobId && j.LeasedBy == worker && j.State == JobState.Running)
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
