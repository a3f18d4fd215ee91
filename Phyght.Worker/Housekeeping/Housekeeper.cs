using System.Diagnostics;
using System.Diagnostics.Metrics;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;

namespace Phyght.Worker.Housekeeping;

/// <summary>
/// Keeps what grows without bound in bounds, every <see cref="HousekeepingOptions.IntervalSeconds"/>: published
/// change-feed rows past their retention, finished jobs past theirs, idempotency keys past 24 h, direct upload
/// sessions abandoned past their expiry (with their blobs), and blobs neither a video nor an open session refers to
/// (an upload whose row never committed, a replaced file whose delete failed). Each removed blob is logged with its
/// path.
/// </summary>
public sealed class Housekeeper(
    IServiceScopeFactory scopes,
    BlobServiceClient blobs,
    IOptions<HousekeepingOptions> options,
    TimeProvider time,
    IMeterFactory meters,
    ILogger<Housekeeper> logger) : BackgroundService
{
    private const int Batch = 500;
    private readonly Counter<long> _removed = meters.Create(PhyghtTelemetry.MeterName)
        .CreateCounter<long>("phyght.housekeeping.removed", "{item}", "Removed by housekeeping, by kind (change_feed, jobs, idempotency_keys, upload_sessions, orphan_blobs).");
    private long _openSessions;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        meters.Create(PhyghtTelemetry.MeterName).CreateObservableGauge("phyght.uploads.open_sessions", () => Interlocked.Read(ref _openSessions),
            "{session}", "Direct upload sessions not completed yet, as of the last housekeeping pass.");
        await RunPeriodicallyAsync(stoppingToken);
    }

    private async Task RunPeriodicallyAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.IntervalSeconds), time);
        do
        {
            using var activity = PhyghtTelemetry.ActivitySource.StartActivity("housekeeping");
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                logger.LogWarning(ex, "Housekeeping failed; trying again in {Seconds} s", options.Value.IntervalSeconds);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task RunOnceAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var settings = options.Value;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PhyghtDbContext>();

        var feedHorizon = now.AddDays(-settings.ChangeFeedDays);
        var feed = await db.ChangeFeed.Where(c => c.CreatedAt < feedHorizon && c.PublishedAt != null).ExecuteDeleteAsync(ct);
        var jobHorizon = now.AddDays(-settings.FinishedJobDays);
        var jobs = await db.ProcessingJobs
            .Where(j => (j.State == JobState.Succeeded || j.State == JobState.Dead) && j.UpdatedAt < jobHorizon)
            .ExecuteDeleteAsync(ct);
        var keyHorizon = now - IdempotencyRecord.Retention;
        var keys = await db.IdempotencyKeys.Where(k => k.CreatedAt < keyHorizon).ExecuteDeleteAsync(ct);
        var sessions = await SweepSessionsAsync(db, now.AddMinutes(-settings.UploadSessionGraceMinutes), ct);
        Interlocked.Exchange(ref _openSessions, await db.UploadSessions.CountAsync(u => u.CompletedAt == null, ct));
        var orphans = 0;
        foreach (var container in new[] { BlobPath.VideosContainer, BlobPath.ThumbnailsContainer })
        {
            orphans += await SweepAsync(db, blobs.GetBlobContainerClient(container), now.AddMinutes(-settings.OrphanGraceMinutes), ct);
        }
        Record("change_feed", feed);
        Record("jobs", jobs);
        Record("idempotency_keys", keys);
        Record("upload_sessions", sessions);
        Record("orphan_blobs", orphans);
        if (feed + jobs + keys + sessions + orphans > 0)
        {
            logger.LogInformation("Housekeeping removed {ChangeFeed} change-feed rows, {Jobs} finished jobs, {Keys} idempotency keys, {Sessions} abandoned upload sessions and {Orphans} orphan blobs",
                feed, jobs, keys, sessions, orphans);
        }
    }

    /// <summary>Sessions never completed, past their expiry and the grace: their row first (so a completion racing the
    /// sweep either commits first and keeps its blob, or finds no session), then their blob, snapshots included.</summary>
    private async Task<int> SweepSessionsAsync(PhyghtDbContext db, DateTimeOffset horizon, CancellationToken ct)
    {
        var abandoned = await db.DeleteAbandonedUploadSessionsAsync(horizon, Batch, ct);
        foreach (var session in abandoned)
        {
            try
            {
                if (BlobPath.TryParse(session.BlobPath, out var container, out var name))
                {
                    await blobs.GetBlobContainerClient(container).DeleteBlobIfExistsAsync(name, Azure.Storage.Blobs.Models.DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: ct);
                }
                logger.LogInformation("Removed abandoned upload session {SessionId} of video {VideoId} and its blob {BlobPath} (expired {ExpiresAt})",
                    session.Id, session.VideoId, session.BlobPath, session.ExpiresAt);
            }
            catch (Azure.RequestFailedException ex)
            {
                // E.g. a lease its uploader took: the orphan sweep tries the blob again on later passes.
                logger.LogWarning(ex, "Removed abandoned upload session {SessionId} of video {VideoId}; its blob {BlobPath} could not be deleted",
                    session.Id, session.VideoId, session.BlobPath);
            }
        }
        return abandoned.Count;
    }

    private async Task<int> SweepAsync(PhyghtDbContext db, BlobContainerClient container, DateTimeOffset grace, CancellationToken ct)
    {
        if (!await container.ExistsAsync(ct))
        {
            return 0;
        }
        var removed = 0;
        await foreach (var page in container.GetBlobsAsync(cancellationToken: ct).AsPages(pageSizeHint: Batch))
        {
            var candidates = page.Values
                .Select(b => (b.Name, Parsed: BlobPath.TryParseName(b.Name, out var video, out var written) ? (video, written) : ((Guid, DateTimeOffset)?)null))
                .Where(b => b.Parsed is { } p && p.Item2 < grace)
                .Select(b => (b.Name, Video: b.Parsed!.Value.Item1, Path: BlobPath.Stored(container.Name, b.Name)))
                .ToList();
            if (candidates.Count == 0)
            {
                continue;
            }
            var ids = candidates.Select(c => c.Video).Distinct().ToList();
            var referenced = (await db.Videos.Where(v => ids.Contains(v.Id)).Select(v => new { v.FilePath, v.ThumbnailPath }).ToListAsync(ct))
                .SelectMany(v => new[] { v.FilePath, v.ThumbnailPath }).OfType<string>().ToHashSet();
            // A direct upload still in progress (or not swept yet) owns its blob.
            referenced.UnionWith(await db.UploadSessions.Where(u => ids.Contains(u.VideoId) && u.CompletedAt == null).Select(u => u.BlobPath).ToListAsync(ct));
            foreach (var orphan in candidates.Where(c => !referenced.Contains(c.Path)))
            {
                try
                {
                    await container.DeleteBlobIfExistsAsync(orphan.Name, Azure.Storage.Blobs.Models.DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: ct);
                    logger.LogInformation("Removed orphan blob {BlobPath} of video {VideoId}: no video refers to it", orphan.Path, orphan.Video);
                    removed++;
                }
                catch (Azure.RequestFailedException ex)
                {
                    logger.LogWarning(ex, "Could not delete orphan blob {BlobPath} of video {VideoId}", orphan.Path, orphan.Video);
                }
            }
        }
        return removed;
    }

    private void Record(string kind, int count)
    {
        if (count > 0)
        {
            _removed.Add(count, new KeyValuePair<string, object?>("kind", kind));
        }
    }
}
