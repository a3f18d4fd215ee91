using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Phyght.Core.Data;
using Phyght.Core.Realtime;

namespace Phyght.Core.Videos;

/// <summary>
/// The one door through which every change to a video is written, by the API and the worker alike: begin, lock the
/// video's row, let the caller change it (<see cref="VideoEdit"/>), save, record the change-feed row (in commit order)
/// when something changed, commit, then publish and delete replaced blobs. Nothing after the commit can fail the caller or undo it:
/// an unpublished change is sent by the outbox drainer, a blob that could not be deleted is only logged.
/// </summary>
public sealed class VideoWriter(
    PhyghtDbContext db,
    JobQueue jobs,
    ChangePublisher publisher,
    VideoBlobs blobs,
    TimeProvider time,
    ILogger<VideoWriter> logger)
{
    /// <summary>Creates a video waiting for its file; <paramref name="fill"/> sets its first fields.</summary>
    public async Task<Video> CreateAsync(string title, Action<VideoEdit> fill, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = time.GetUtcNow();
        var video = Video.Create(title, now);
        db.Videos.Add(video);
        var edit = new VideoEdit(jobs, video, now);
        fill(edit);
        edit.WriteDocument();
        await CommitAsync(edit, ChangeEventTypes.Insert, transaction, ct);
        return video;
    }

    /// <summary>Changes one video under its row lock. <paramref name="whenMissing"/> is the answer when the video does
    /// not exist or is deleted (<paramref name="includeDeleted"/>: only when it does not exist).</summary>
    public async Task<T> ChangeAsync<T>(Guid videoId, T whenMissing, Func<VideoEdit, CancellationToken, Task<T>> change,
        CancellationToken ct, bool includeDeleted = false)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var video = await db.LockVideoAsync(videoId, ct);
        if (video is null || (video.IsDeleted && !includeDeleted))
        {
            return whenMissing;
        }
        var wasDeleted = video.IsDeleted;
        var edit = new VideoEdit(jobs, video, time.GetUtcNow());
        var result = await change(edit, ct);
        edit.WriteDocument();
        db.ChangeTracker.DetectChanges();
        var modified = db.Entry(video).State == EntityState.Modified;
        if (edit.Removed || modified || edit.JobsChanged)
        {
            var eventType = edit.Removed || (video.IsDeleted && !wasDeleted) ? ChangeEventTypes.Delete : ChangeEventTypes.Update;
            await CommitAsync(edit, eventType, transaction, ct);
        }
        return result;
    }

    public Task<T> ChangeAsync<T>(Guid videoId, T whenMissing, Func<VideoEdit, T> change, CancellationToken ct, bool includeDeleted = false) =>
        ChangeAsync(videoId, whenMissing, (edit, _) => Task.FromResult(change(edit)), ct, includeDeleted);

    private async Task CommitAsync(VideoEdit edit, string eventType, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, CancellationToken ct)
    {
        var video = edit.Video;
        if (edit.Removed)
        {
            db.Videos.Remove(video);
        }
        await db.SaveChangesAsync(ct);
        if (!edit.Removed)
        {
            await db.InsertOpsAsync(video.Id, edit.NewOps, ct);
        }
        // The change-feed row last, under one lock every writer holds from here to its commit: seqs are handed out
        // in commit order, so a reader that resumes after a seq (an instance after a Redis outage, a client replaying)
        // can never meet a smaller seq committed later. Held for one insert and the commit.
        await db.AdvisoryTransactionLockAsync(AdvisoryLocks.ChangeFeedOrder, ct);
        var change = ChangeEvents.Of(video, eventType, edit.Now);
        db.ChangeFeed.Add(change);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        Activity.Current?.SetTag("phyght.video.id", video.Id);
        Activity.Current?.SetTag("phyght.change.seq", change.Seq);

        // Committed: from here on the caller's cancellation no longer applies and no failure is the caller's.
        try
        {
            await publisher.PublishAsync([change], CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Change {Seq} of video {VideoId} is committed but not yet published; the outbox drainer will send it", change.Seq, video.Id);
        }
        if (edit.Removed)
        {
            await blobs.DeleteAllOfAsync(video.Id);
        }
        else
        {
            await blobs.DeleteAsync(edit.BlobsToDelete);
        }
    }
}
