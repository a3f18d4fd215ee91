using System.Diagnostics;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Polly;
using Phyght.Core.Videos;

namespace Phyght.Worker.Processing;

/// <summary>Processes one video: download, probe, thumbnail when none was uploaded, then ready (or failed with a reason).</summary>
public sealed class VideoProcessor(
    PhyghtDbContext db,
    BlobServiceClient blobs,
    VideoWriter writer,
    VideoBlobs cleanup,
    MediaProbe probe,
    ResiliencePipeline storage,
    TimeProvider time,
    ILogger<VideoProcessor> logger)
{
    /// <summary>Returns false when there was nothing to do (the video is gone or has no file).</summary>
    public async Task<bool> ProcessAsync(ProcessingJob job, CancellationToken ct)
    {
        var video = await db.Videos.AsNoTracking().SingleOrDefaultAsync(v => v.Id == job.VideoId, ct);
        if (video is null || video.IsDeleted || video.Status != VideoStatus.Processing || !BlobPath.TryParse(video.FilePath, out var container, out var name))
        {
            logger.LogInformation("Job {JobId}: video {VideoId} is gone or has no file; nothing to do", job.Id, job.VideoId);
            return false;
        }
        var work = MediaProbe.CreateWorkFolder();
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
                await MarkFailedAsync(job, video.FilePath!, ex.Message, ct);
                logger.LogWarning("Job {JobId}: video {VideoId} is unreadable: {Reason}", job.Id, video.Id, ex.Message);
                return true;
            }

            var thumbnailPath = video.ThumbnailPath;
            string? madeThumbnail = null;
            if (thumbnailPath is null)
            {
                var thumbnail = BinaryData.FromBytes(await probe.ThumbnailAsync(file, result.DurationSeconds, ct));
                var thumbName = BlobPath.ThumbnailName(video.Id, time.GetUtcNow().ToUnixTimeMilliseconds(), "jpg");
                await storage.ExecuteAsync(async token =>
                {
                    var thumbnails = blobs.GetBlobContainerClient(BlobPath.ThumbnailsContainer);
                    await thumbnails.CreateIfNotExistsAsync(cancellationToken: token);
                    await thumbnails.GetBlobClient(thumbName).UploadAsync(thumbnail,
                        new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "image/jpeg" } }, token);
                }, ct);
                thumbnailPath = madeThumbnail = BlobPath.Stored(BlobPath.ThumbnailsContainer, thumbName);
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
            if (!await MarkReadyAsync(job, video.FilePath!, (int)Math.Round(result.DurationSeconds), thumbnailPath, results, ct))
            {
                await cleanup.DeleteAsync([.. new[] { madeThumbnail }.OfType<string>()]);
                logger.LogInformation("Job {JobId}: video {VideoId} changed meanwhile or the lease was lost; result dropped", job.Id, video.Id);
                return true;
            }
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
    public Task<bool> MarkFailedAsync(ProcessingJob job, string filePath, string reason, CancellationToken ct) =>
        WriteResultAsync(job, filePath, edit => edit.Video.MarkFailed(reason, edit.Now), ct);

    private Task<bool> MarkReadyAsync(ProcessingJob job, string filePath, int duration, string thumbnailPath, string results, CancellationToken ct) =>
        WriteResultAsync(job, filePath, edit => edit.Video.MarkReady(duration, thumbnailPath, results, by: null, edit.Now), ct);

    /// <summary>Writes a job's outcome only while this worker still holds the job (its row locked until the commit, so
    /// no successor can claim it meanwhile) and the video still waits for this very file: a newer upload's own job, or
    /// a successor that took over a lapsed lease, reports instead. False when the outcome was dropped.</summary>
    private async Task<bool> WriteResultAsync(ProcessingJob job, string filePath, Action<VideoEdit> write, CancellationToken ct)
    {
        var written = await writer.ChangeAsync(job.VideoId, false, async (edit, token) =>
        {
            if (edit.Video.FilePath != filePath || edit.Video.Status != VideoStatus.Processing || !await db.LockHeldJobAsync(job, token))
            {
                return false;
            }
            write(edit);
            return true;
        }, ct);
        Activity.Current?.SetTag("phyght.job.result_written", written);
        return written;
    }
}
