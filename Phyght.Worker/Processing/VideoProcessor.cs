using System.Diagnostics;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Polly;
using Phyght.Core.Realtime;
using Phyght.Core.Videos;

namespace Phyght.Worker.Processing;

/// <summary>Processes one video: download, probe, thumbnail when none was uploaded, then ready (or failed with a reason).</summary>
public sealed class VideoProcessor(
    PhyghtDbContext db,
    BlobServiceClient blobs,
    MediaProbe probe,
    ResiliencePipeline storage,
    TimeProvider time,
    ChangePublisher publisher,
    ILogger<VideoProcessor> logger)
{
    /// <summary>Returns false when there was nothing to do (the video is gone or has no file).</summary>
    public async Task<bool> ProcessAsync(ProcessingJob job, CancellationToken ct)
    {
        var video = await db.Videos.AsNoTracking().SingleOrDefaultAsync(v => v.Id == job.VideoId, ct);
        if (video is null || video.DeletedAt is not null || !BlobPath.TryParse(video.FilePath, out var container, out var name))
        {
            logger.LogInformation("Job {JobId}: video {VideoId} is gone or has no file; nothing to do", job.Id, job.VideoId);
            return false;
        }
        var work = Directory.CreateTempSubdirectory("phyght-job-");
        try
        {
            var file = Path.Combine(work.FullName, Path.GetFileName(name));
            await storage.ExecuteAsync(async token =>
                await blobs.GetBlobContainerClient(container).GetBlobClient(name).DownloadToAsync(file, token), ct);

            ProbeResult result;
            try
            {
                result = await probe.ProbeAsync(file, ct);
            }
            catch (UnreadableMediaException ex)
            {
                await MarkFailedAsync(video.Id, video.FilePath!, ex.Message, ct);
                logger.LogWarning("Job {JobId}: video {VideoId} is unreadable: {Reason}", job.Id, video.Id, ex.Message);
                return true;
            }

            var thumbnailPath = video.ThumbnailPath;
            if (thumbnailPath is null)
            {
                var thumbnail = Path.Combine(work.FullName, "thumb.jpg");
                await probe.ThumbnailAsync(file, result.DurationSeconds, thumbnail, ct);
                var thumbName = BlobPath.ThumbnailName(video.Id, time.GetUtcNow().ToUnixTimeMilliseconds(), "jpg");
                await storage.ExecuteAsync(async token =>
                {
                    var thumbnails = blobs.GetBlobContainerClient(BlobPath.ThumbnailsContainer);
                    await thumbnails.CreateIfNotExistsAsync(cancellationToken: token);
                    await thumbnails.GetBlobClient(thumbName).UploadAsync(thumbnail,
                        new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "image/jpeg" } }, token);
                }, ct);
                thumbnailPath = BlobPath.Stored(BlobPath.ThumbnailsContainer, thumbName);
            }

            var results = JsonSerializer.Serialize(new
            {
                duration_seconds = result.DurationSeconds,
                codec = result.Codec,
                width = result.Width,
                height = result.Height,
                bitrate = result.BitRate,
                format = result.Format,
                thumbnail_generated = video.ThumbnailPath is null,
            });
            await MarkReadyAsync(video.Id, video.FilePath!, (int)Math.Round(result.DurationSeconds), thumbnailPath, results, ct);
            logger.LogInformation("Job {JobId}: video {VideoId} is ready ({Duration:0.0} s, {Codec} {Width}x{Height})",
                job.Id, video.Id, result.DurationSeconds, result.Codec, result.Width, result.Height);
            return true;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Marks the video failed (after the last attempt, or for an unreadable file).</summary>
    public Task MarkFailedAsync(Guid videoId, string filePath, string reason, CancellationToken ct) =>
        UpdateIfSameFileAsync(videoId, filePath, video =>
        {
            video.Status = VideoStatus.Failed;
            video.FailureReason = reason;
        }, ct);

    private Task MarkReadyAsync(Guid videoId, string filePath, int duration, string thumbnailPath, string results, CancellationToken ct) =>
        UpdateIfSameFileAsync(videoId, filePath, video =>
        {
            video.Status = VideoStatus.Ready;
            video.Duration = duration;
            video.ThumbnailPath = thumbnailPath;
            video.ProcessingResults = results;
            video.FailureReason = null;
        }, ct);

    /// <summary>Applies the outcome unless a newer upload replaced the file meanwhile (its own job will report).</summary>
    private async Task UpdateIfSameFileAsync(Guid videoId, string filePath, Action<Video> change, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var video = await db.LockVideoAsync(videoId, ct);
        if (video is null || video.FilePath != filePath)
        {
            return;
        }
        change(video);
        video.UpdatedAt = time.GetUtcNow();
        var feed = ChangeFeed.Record(db, video, ChangeEventTypes.Update, video.UpdatedAt);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        await publisher.PublishAsync([feed], ct);
        Activity.Current?.SetTag("phyght.video.status", video.Status.ToLowerName());
    }
}
