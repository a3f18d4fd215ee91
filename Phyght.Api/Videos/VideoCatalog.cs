using Azure.Storage.Blobs;
using Phyght.Core.Crdt;
using Phyght.Core.Realtime;
using Phyght.Core.Videos;

namespace Phyght.Api.Videos;

public abstract record UpdateOutcome
{
    public sealed record Updated(Video Video) : UpdateOutcome;
    public sealed record NotFound : UpdateOutcome;
    public sealed record Stale(VectorClock ServerClock, long ServerVersion) : UpdateOutcome;
}

/// <summary>The catalogue's reads and writes. Every metadata change goes through <see cref="VideoChangeWriter"/>.</summary>
public sealed class VideoCatalog(
    PhyghtDbContext db,
    VideoChangeWriter writer,
    TimeProvider time,
    BlobServiceClient blobs,
    ChangePublisher publisher,
    ILogger<VideoCatalog> logger)
{
    private static readonly Dictionary<OpType, OpType[]> FieldOps = new()
    {
        [OpType.UpdateTitle] = [OpType.UpdateTitle],
        [OpType.UpdateDescription] = [OpType.UpdateDescription],
        [OpType.UpdateCategory] = [OpType.UpdateCategory],
        [OpType.UpdateFeatured] = [OpType.UpdateFeatured],
        [OpType.SetTags] = [OpType.AddTag, OpType.RemoveTag, OpType.SetTags],
    };

    /// <summary>Anonymous callers and users see ready videos only; staff see every status. Deleted videos never.</summary>
    public IQueryable<Video> Readable(bool staff) =>
        db.Videos.AsNoTracking().Where(v => v.DeletedAt == null && (staff || v.Status == VideoStatus.Ready));

    /// <summary>Search totals are counted exactly up to this many matches; past it the total is this bound and is
    /// marked as an estimate, so a common word costs a bounded count, not a scan of every match.</summary>
    public const int SearchCountCap = 1_000;

    public async Task<(List<Video> Videos, long Total, bool TotalIsEstimate)> ListAsync(VideoListQuery query, bool staff, CancellationToken ct)
    {
        // One connection for the count and the page: each open also sets the caller for row level security. It is
        // closed here, not left open in the pooled context, where the next request would inherit this caller.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            return await ListOnOpenConnectionAsync(query, staff, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task<(List<Video> Videos, long Total, bool TotalIsEstimate)> ListOnOpenConnectionAsync(VideoListQuery query, bool staff, CancellationToken ct)
    {
        var videos = Readable(staff);
        if (query.Status is { } status)
        {
            videos = videos.Where(v => v.Status == status);
        }
        if (query.Category is { } category)
        {
            videos = videos.Where(v => v.Category == category);
        }
        if (query.Featured is { } featured)
        {
            videos = videos.Where(v => v.IsFeatured == featured);
        }
        if (query.Search is { } search)
        {
            videos = videos.Where(v => v.SearchVector!.Matches(PhyghtDbContext.PrefixQuery(search)));
        }
        var (total, estimate) = query.Search is null
            ? (await CountAsync(query, staff, ct), false)
            : await CappedCountAsync(videos, ct);
        if (query.Search is not null && !estimate)
        {
            // Few matches: take them from the text index and sort them, rather than let the planner walk the newest-first
            // index hoping to meet 20 of them (at a million videos, a rare word cost seconds that way). The LIMIT keeps
            // the match list a subquery PostgreSQL evaluates first.
            var matches = videos.Select(v => v.Id).Take(SearchCountCap + 1);
            videos = Readable(staff).Where(v => matches.Contains(v.Id));
        }
        var ordered = videos.OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Id);
        if (query.After is { } after)
        {
            // Keyset as a row comparison, an index range scan: the page after the cursor costs what the first page costs.
            var next = await ordered.Where(v => EF.Functions.LessThan(ValueTuple.Create(v.CreatedAt, v.Id), ValueTuple.Create(after.CreatedAt, after.Id)))
                .Take(query.Limit).ToListAsync(ct);
            return (next, total, estimate);
        }
        var offset = (long)(query.Page - 1) * query.Limit;
        if (estimate || offset <= total / 2)
        {
            return (await ordered.Skip((int)offset).Take(query.Limit).ToListAsync(ct), total, estimate);
        }
        if (offset >= total)
        {
            return ([], total, estimate);
        }
        // Past the middle, read from the oldest end: with the exact total, no page by number costs more than half
        // the matches, and pages past the end cost nothing.
        var skip = Math.Max(0, total - offset - query.Limit);
        var page = await videos.OrderBy(v => v.CreatedAt).ThenBy(v => v.Id).Skip((int)skip).Take((int)(total - offset - skip)).ToListAsync(ct);
        page.Reverse();
        return (page, total, estimate);
    }

    private static async Task<(long Total, bool IsEstimate)> CappedCountAsync(IQueryable<Video> matches, CancellationToken ct)
    {
        var counted = await matches.Take(SearchCountCap + 1).LongCountAsync(ct);
        return counted > SearchCountCap ? (SearchCountCap, true) : (counted, false);
    }

    /// <summary>The exact total from <c>video_counts</c> (kept by trigger), without scanning videos.</summary>
    private Task<long> CountAsync(VideoListQuery query, bool staff, CancellationToken ct)
    {
        var counts = db.VideoCounts.AsNoTracking();
        if (!staff)
        {
            counts = counts.Where(c => c.Status == VideoStatus.Ready);
        }
        if (query.Status is { } status)
        {
            counts = counts.Where(c => c.Status == status);
        }
        if (query.Category is { } category)
        {
            counts = counts.Where(c => c.Category == category);
        }
        if (query.Featured is { } featured)
        {
            counts = counts.Where(c => c.IsFeatured == featured);
        }
        return counts.SumAsync(c => c.Count, ct);
    }

    public Task<Video?> FindReadableAsync(Guid id, bool staff, CancellationToken ct) =>
        Readable(staff).SingleOrDefaultAsync(v => v.Id == id, ct);

    public async Task<Video> CreateAsync(VideoFields fields, Guid userId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var video = new Video { Id = Guid.NewGuid(), Title = fields.Title!, Status = VideoStatus.Uploading, CreatedAt = now, UpdatedAt = now };
        db.Videos.Add(video);
        writer.Apply(video, VideoChangeWriter.ServerOps(VideoDocument.Empty, VideoChangeWriter.ServerActorFor(userId), fields.Changes()), userId);
        var change = ChangeFeed.Record(db, video, ChangeEventTypes.Insert, now);
        await db.SaveChangesAsync(ct);
        await publisher.PublishAsync([change], ct);
        logger.LogInformation("User {UserId} created video {VideoId}", userId, video.Id);
        return video;
    }

    public async Task<UpdateOutcome> UpdateAsync(Guid id, VideoFields fields, Guid userId, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var video = await db.LockVideoAsync(id, ct);
        if (video is null || video.DeletedAt is not null)
        {
            return new UpdateOutcome.NotFound();
        }
        var document = VideoChangeWriter.DocumentOf(video);
        var changes = fields.Changes().ToList();
        if (fields.VectorClock is { } clientClock && await HasUnseenOpsAsync(id, clientClock, changes.Select(c => c.Type), ct))
        {
            logger.LogInformation("Refused a stale update of video {VideoId} by user {UserId}", id, userId);
            return new UpdateOutcome.Stale(document.Clock, document.Version);
        }
        writer.Apply(video, VideoChangeWriter.ServerOps(document, VideoChangeWriter.ServerActorFor(userId), changes), userId);
        var change = ChangeFeed.Record(db, video, ChangeEventTypes.Update, time.GetUtcNow());
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        await publisher.PublishAsync([change], ct);
        logger.LogInformation("User {UserId} updated video {VideoId} ({Fields} fields)", userId, id, changes.Count);
        return new UpdateOutcome.Updated(video);
    }

    /// <summary>Whether the server holds ops on these fields that the client's clock does not cover.</summary>
    private async Task<bool> HasUnseenOpsAsync(Guid id, VectorClock clientClock, IEnumerable<OpType> fields, CancellationToken ct)
    {
        var types = fields.SelectMany(f => FieldOps[f]).Select(t => t.ToName()).Distinct().ToList();
        var dots = await db.CrdtOperations.Where(o => o.VideoId == id && types.Contains(o.OperationType))
            .Select(o => new { o.Actor, o.Seq })
            .ToListAsync(ct);
        return dots.Any(d => !clientClock.Covers(new Dot(d.Actor, d.Seq)));
    }

    public async Task<bool> SoftDeleteAsync(Guid id, Guid userId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var deleted = await db.Videos.Where(v => v.Id == id && v.DeletedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.DeletedAt, now).SetProperty(v => v.UpdatedAt, now), ct);
        if (deleted == 0)
        {
            return false;
        }
        var change = ChangeFeed.RecordDelete(db, id, now);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        await publisher.PublishAsync([change], ct);
        logger.LogInformation("User {UserId} soft-deleted video {VideoId}", userId, id);
        return true;
    }

    /// <summary>Removes the row (its ops and jobs cascade), then every blob under the video's prefix.</summary>
    public async Task<bool> HardDeleteAsync(Guid id, Guid userId, CancellationToken ct)
    {
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            if (await db.Videos.Where(v => v.Id == id).ExecuteDeleteAsync(ct) == 0)
            {
                return false;
            }
            var change = ChangeFeed.RecordDelete(db, id, time.GetUtcNow());
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            await publisher.PublishAsync([change], ct);
        }
        foreach (var container in new[] { BlobPath.VideosContainer, BlobPath.ThumbnailsContainer })
        {
            var client = blobs.GetBlobContainerClient(container);
            if (!await client.ExistsAsync(ct))
            {
                continue;
            }
            await foreach (var blob in client.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"{id}/", ct))
            {
                await client.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: ct);
            }
        }
        logger.LogInformation("User {UserId} hard-deleted video {VideoId} with its ops, jobs and blobs", userId, id);
        return true;
    }

    /// <summary>Counts a view of a video the caller may read; null when there is none. A reader may not update
    /// videos, so the database's <c>phyght_count_view</c> makes this one write on their behalf.</summary>
    public async Task<long?> CountViewAsync(Guid id, CancellationToken ct)
    {
        var counts = await db.Database.SqlQuery<long?>($"""SELECT phyght_count_view({id}) AS "Value" """).ToListAsync(ct);
        return counts[0];
    }
}
