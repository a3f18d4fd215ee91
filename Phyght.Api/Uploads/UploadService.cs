using System.Diagnostics;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Phyght.Core.Realtime;
using Phyght.Core.Videos;

namespace Phyght.Api.Uploads;

public abstract record UploadOutcome
{
    public sealed record Stored(Video Video) : UploadOutcome;
    public sealed record Invalid(string Field, string Message) : UploadOutcome;
    public sealed record NotFound : UploadOutcome;
    public sealed record TooLarge(string Field, long Limit) : UploadOutcome;
    public sealed record WrongType(string Field, string Expected) : UploadOutcome;
}

/// <summary>
/// Streams a multipart upload part by part straight into blob storage (never a whole file in memory or on disk),
/// then records it and enqueues processing in one transaction. Whatever fails, no blob of this upload stays behind.
/// </summary>
public sealed class UploadService(
    PhyghtDbContext db,
    BlobServiceClient blobs,
    IOptions<StorageOptions> options,
    TimeProvider time,
    UploadMetrics metrics,
    ChangePublisher publisher,
    ILogger<UploadService> logger)
{
    private static readonly StorageTransferOptions Transfer = new()
    {
        InitialTransferSize = 4 * 1024 * 1024,
        MaximumTransferSize = 4 * 1024 * 1024,
        MaximumConcurrency = 1,
    };

    private sealed record StoredBlob(string Container, string Name, MediaType Type, long Size)
    {
        public string Path => BlobPath.Stored(Container, Name);
    }

    public async Task<UploadOutcome> UploadAsync(HttpRequest request, Guid userId, CancellationToken ct)
    {
        var stored = new List<StoredBlob>();
        try
        {
            var outcome = await StoreAsync(request, stored, userId, ct);
            metrics.Outcome(outcome switch
            {
                UploadOutcome.Stored => "stored",
                UploadOutcome.TooLarge => "too_large",
                UploadOutcome.WrongType => "wrong_type",
                UploadOutcome.NotFound => "not_found",
                _ => "invalid",
            });
            if (outcome is not UploadOutcome.Stored)
            {
                await DeleteAsync(stored);
            }
            return outcome;
        }
        catch
        {
            metrics.Outcome("failed");
            await DeleteAsync(stored);
            throw;
        }
    }

    private async Task<UploadOutcome> StoreAsync(HttpRequest request, List<StoredBlob> stored, Guid userId, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return new UploadOutcome.Invalid("body", "Expected multipart/form-data with videoId, video and optional thumbnail.");
        }
        var reader = new MultipartReader(boundary, request.Body);
        Guid? videoId = null;
        StoredBlob? video = null, thumbnail = null;
        var unixMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        while (await reader.ReadNextSectionAsync(ct) is { } section)
        {
            var name = section.GetContentDispositionHeader()?.Name.Value;
            switch (name)
            {
                case "videoId":
                    var text = await new StreamReader(new LimitedStream(default, section.Body, 100)).ReadToEndAsync(ct);
                    if (!Guid.TryParse(text.Trim(), out var id))
                    {
                        return new UploadOutcome.Invalid("videoId", "A video UUID.");
                    }
                    if (!await db.Videos.AnyAsync(v => v.Id == id && v.DeletedAt == null, ct))
                    {
                        return new UploadOutcome.NotFound();
                    }
                    videoId = id;
                    break;
                case "video" or "thumbnail":
                    if (videoId is null)
                    {
                        return new UploadOutcome.Invalid("videoId", "Required, and must come before the files in the form.");
                    }
                    if ((name == "video" ? video : thumbnail) is not null)
                    {
                        return new UploadOutcome.Invalid(name, "Only one file per field.");
                    }
                    var isVideo = name == "video";
                    var head = new byte[MediaType.SniffLength];
                    var headLength = await section.Body.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
                    var type = isVideo ? MediaType.DetectVideo(head.AsSpan(0, headLength)) : MediaType.DetectImage(head.AsSpan(0, headLength));
                    if (type is null)
                    {
                        return new UploadOutcome.WrongType(name, isVideo ? "MP4, MOV, WebM, Ogg or AVI" : "JPEG, PNG or WebP");
                    }
                    var container = isVideo ? BlobPath.VideosContainer : BlobPath.ThumbnailsContainer;
                    var blobName = isVideo ? BlobPath.VideoName(videoId.Value, unixMs, type.Extension) : BlobPath.ThumbnailName(videoId.Value, unixMs, type.Extension);
                    var limit = isVideo ? options.Value.MaxVideoBytes : options.Value.MaxThumbnailBytes;
                    var blob = new StoredBlob(container, blobName, type, 0);
                    stored.Add(blob);
                    var body = new LimitedStream(head.AsMemory(0, headLength), section.Body, limit);
                    try
                    {
                        var client = blobs.GetBlobContainerClient(container);
                        await client.CreateIfNotExistsAsync(cancellationToken: ct);
                        await client.GetBlobClient(blobName).UploadAsync(body, new BlobUploadOptions
                        {
                            HttpHeaders = new BlobHttpHeaders { ContentType = type.MimeType },
                            TransferOptions = Transfer,
                        }, ct);
                    }
                    catch (UploadTooLargeException)
                    {
                        return new UploadOutcome.TooLarge(name, limit);
                    }
                    catch (Azure.RequestFailedException ex) when (ex.InnerException is UploadTooLargeException)
                    {
                        return new UploadOutcome.TooLarge(name, limit);
                    }
                    metrics.BytesStored.Add(body.BytesRead, new KeyValuePair<string, object?>("container", container));
                    blob = blob with { Size = body.BytesRead };
                    stored[^1] = blob;
                    if (isVideo) video = blob; else thumbnail = blob;
                    break;
                default:
                    await section.Body.CopyToAsync(Stream.Null, ct);
                    break;
            }
        }
        if (videoId is null)
        {
            return new UploadOutcome.Invalid("videoId", "Required.");
        }
        if (video is null)
        {
            return new UploadOutcome.Invalid("video", "A video file is required.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var row = await db.LockVideoAsync(videoId.Value, ct);
        if (row is null || row.DeletedAt is not null)
        {
            return new UploadOutcome.NotFound();
        }
        string?[] replaced = [row.FilePath, row.ThumbnailPath];
        var now = time.GetUtcNow();
        row.FilePath = video.Path;
        row.FileSize = video.Size;
        row.MimeType = video.Type.MimeType;
        row.ThumbnailPath = thumbnail?.Path;
        row.Status = VideoStatus.Processing;
        row.Duration = null;
        row.ProcessingResults = null;
        row.FailureReason = null;
        row.UpdatedAt = now;
        row.LastModifiedBy = userId;
        db.ProcessingJobs.Add(new ProcessingJob
        {
            Id = Guid.NewGuid(),
            VideoId = row.Id,
            State = JobState.Queued,
            RunAfter = now,
            CreatedAt = now,
            UpdatedAt = now,
            TraceParent = Activity.Current?.Id,
        });
        var change = ChangeFeed.Record(db, row, ChangeEventTypes.Update, now);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        await publisher.PublishAsync([change], ct);
        logger.LogInformation("User {UserId} uploaded {Bytes} bytes ({MimeType}) for video {VideoId}; processing queued",
            userId, video.Size, video.Type.MimeType, row.Id);

        await DeleteAsync(replaced.Where(p => p is not null && p != video.Path && p != thumbnail?.Path)
            .Select(p => BlobPath.TryParse(p, out var c, out var n) ? new StoredBlob(c, n, video.Type, 0) : null)
            .OfType<StoredBlob>());
        return new UploadOutcome.Stored(row);
    }

    private async Task DeleteAsync(IEnumerable<StoredBlob> stored)
    {
        foreach (var blob in stored)
        {
            try
            {
                await blobs.GetBlobContainerClient(blob.Container).DeleteBlobIfExistsAsync(blob.Name);
            }
            catch (Azure.RequestFailedException ex)
            {
                logger.LogWarning(ex, "Could not delete blob {Container}/{Blob}", blob.Container, blob.Name);
            }
        }
    }
}
