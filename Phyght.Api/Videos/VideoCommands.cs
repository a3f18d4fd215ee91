using Phyght.Core.Crdt;
using Phyght.Core.Videos;

namespace Phyght.Api.Videos;

public abstract record UpdateOutcome
{
    public sealed record Updated(Video Video) : UpdateOutcome;
    public sealed record NotFound : UpdateOutcome;
    public sealed record Stale(VectorClock ServerClock, long ServerVersion) : UpdateOutcome;
}

/// <summary>The catalogue's writes, each one call of <see cref="VideoWriter"/>.</summary>
public sealed class VideoCommands(PhyghtDbContext db, VideoWriter writer, ILogger<VideoCommands> logger)
{
    private static readonly Dictionary<OpType, OpType[]> FieldOps = new()
    {
        [OpType.UpdateTitle] = [OpType.UpdateTitle],
        [OpType.UpdateDescription] = [OpType.UpdateDescription],
        [OpType.UpdateCategory] = [OpType.UpdateCategory],
        [OpType.UpdateFeatured] = [OpType.UpdateFeatured],
        [OpType.SetTags] = [OpType.AddTag, OpType.RemoveTag, OpType.SetTags],
    };

    public async Task<Video> CreateAsync(VideoFields fields, Guid userId, CancellationToken ct)
    {
        var video = await writer.CreateAsync(fields.Title!, edit => edit.ApplyServerChanges(userId, fields.Changes()), ct);
        logger.LogInformation("User {UserId} created video {VideoId}", userId, video.Id);
        return video;
    }

    public async Task<UpdateOutcome> UpdateAsync(Guid id, VideoFields fields, Guid userId, CancellationToken ct)
    {
        var changes = fields.Changes().ToList();
        var outcome = await writer.ChangeAsync<UpdateOutcome>(id, new UpdateOutcome.NotFound(), async (edit, token) =>
        {
            if (fields.VectorClock is { } clientClock && await HasUnseenOpsAsync(id, clientClock, changes.Select(c => c.Type), token))
            {
                var document = edit.Document;
                return new UpdateOutcome.Stale(document.Clock, document.Version);
            }
            edit.ApplyServerChanges(userId, changes);
            return new UpdateOutcome.Updated(edit.Video);
        }, ct);
        if (outcome is UpdateOutcome.Stale)
        {
            logger.LogInformation("Refused a stale update of video {VideoId} by user {UserId}", id, userId);
        }
        else if (outcome is UpdateOutcome.Updated)
        {
            logger.LogInformation("User {UserId} updated video {VideoId} ({Fields} fields)", userId, id, changes.Count);
        }
        return outcome;
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
        var deleted = await writer.ChangeAsync(id, false, edit =>
        {
            edit.Video.SoftDelete(userId, edit.Now);
            return true;
        }, ct);
        if (deleted)
        {
            logger.LogInformation("User {UserId} soft-deleted video {VideoId}", userId, id);
        }
        return deleted;
    }

    /// <summary>Removes the row (its ops and jobs cascade), then every blob under the video's prefix.</summary>
    public async Task<bool> HardDeleteAsync(Guid id, Guid userId, CancellationToken ct)
    {
        var deleted = await writer.ChangeAsync(id, false, edit =>
        {
            edit.Remove();
            return true;
        }, ct, includeDeleted: true);
        if (deleted)
        {
            logger.LogInformation("User {UserId} hard-deleted video {VideoId} with its ops, jobs and blobs", userId, id);
        }
        return deleted;
    }

    /// <summary>Counts a view of a video the caller may read; null when there is none. A reader may not update
    /// videos, so the database's <c>phyght_count_view</c> makes this one write on their behalf.</summary>
    public Task<long?> CountViewAsync(Guid id, CancellationToken ct) => db.CountViewAsync(id, ct);
}
