using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Phyght.Core.Videos;

namespace Phyght.Api.Uploads;

public abstract record UploadOutcome
{
    public sealed record Stored(Video Video) : UploadOutcome;
    public sealed record Invalid(string Field, string Message) : UploadOutcome;
    public sealed record NotFound : UploadOutcome;
    public sealed record TooLarge(string Field, long Limit) : UploadOutcome;
    public sealed record WrongType(string Field, string Expected) : UploadOutcome;
    /// <summary>Another upload for the same video started in the same millisecond; retry.</summary>
    public sealed record Busy : UploadOutcome;
}

/// <summary>
/// Streams a multipart upload part by part straight into blob storage (never a whole file in memory or on disk),
/// then records it and enqueues processing in one transaction (through <see cref="VideoWriter"/>). Whatever fails
/// before that commit, no blob of this upload stays behind; once it commits, the blobs it replaced are deleted.
/// </summary>
public sealed class UploadService(
    PhyghtDbContext db,
    BlobServiceClient blobs,
    VideoWriter writer,
    VideoBlobs cleanup,
    IOptions<StorageOptions> options,
    TimeProvider time,
    UploadMetrics metrics,
    ILogger<UploadService> logger)
{
    private static readonly StorageTransferOptions Transfer = new()
    {
        InitialTransferSize = 4 * 1024 * 1024,
        MaximumTransferSize = 4 * 1024 * 1024,
        // Two blocks in flight: the next block is read from the request while the last one is still being written.
        MaximumConcurrency = 2,
    };

    /// <summary>Form fields other than the files: small, and only a few of them.</summary>
    private const int MaxFieldBytes = 1_024;
    private const int MaxSections = 8;

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
                UploadOutcome.Busy => "busy",
                _ => "invalid",
            });
            if (outcome is not UploadOutcome.Stored)
            {
                await cleanup.DeleteAsync(stored.Select(b => b.Path));
            }
            return outcome;
        }
        catch
        {
            // Only failures before the commit reach here (the writer never throws after it), so these blobs are unused.
            metrics.Outcome("failed");
            await cleanup.DeleteAsync(stored.Select(b => b.Path));
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
        var sections = 0;
        while (await reader.ReadNextSectionAsync(ct) is { } section)
        {
            if (++sections > MaxSections)
            {
                return new UploadOutcome.Invalid("body", $"At most {MaxSections} form fields: videoId, video and thumbnail.");
            }
            var name = section.GetContentDispositionHeader()?.Name.Value;
            switch (name)
            {
                case "videoId":
                    if (videoId is not null)
                    {
                        return new UploadOutcome.Invalid("videoId", "Only one videoId per upload.");
                    }
                    string text;
                    try
                    {
                        text = await new StreamReader(new LimitedStream(default, section.Body, MaxFieldBytes)).ReadToEndAsync(ct);
                    }
                    catch (UploadTooLargeException)
                    {
                        return new UploadOutcome.Invalid("videoId", "A video UUID.");
                    }
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
                    // The name's timestamp is taken when the file starts; two uploads for one video in one millisecond
                    // would share it, so the blob is created only if absent (If-None-Match: *) and the other one fails.
                    var unixMs = time.GetUtcNow().ToUnixTimeMilliseconds();
                    var blobName = isVideo ? BlobPath.VideoName(videoId.Value, unixMs, type.Extension) : BlobPath.ThumbnailName(videoId.Value, unixMs, type.Extension);
                    var limit = isVideo ? options.Value.MaxVideoBytes : options.Value.MaxThumbnailBytes;
                    var blob = new StoredBlob(container, blobName, type, 0);
                    var body = new LimitedStream(head.AsMemory(0, headLength), section.Body, limit);
                    try
                    {
                        var client = blobs.GetBlobContainerClient(container);
                        await client.CreateIfNotExistsAsync(cancellationToken: ct);
                        stored.Add(blob);
                        await client.GetBlobClient(blobName).UploadAsync(body, new BlobUploadOptions
                        {
                            HttpHeaders = new BlobHttpHeaders { ContentType = type.MimeType },
                            TransferOptions = Transfer,
                            Conditions = new BlobRequestConditions { IfNoneMatch = Azure.ETag.All },
                        }, ct);
                    }
                    catch (Azure.RequestFailedException ex) when (ex.Status == StatusCodes.Status409Conflict)
                    {
                        stored.Remove(blob); // another upload's blob: not ours to delete
                        return new UploadOutcome.Busy();
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
                    try
                    {
                        await new LimitedStream(default, section.Body, MaxFieldBytes).CopyToAsync(Stream.Null, ct);
                    }
                    catch (UploadTooLargeException)
                    {
                        return new UploadOutcome.Invalid(name ?? "body", $"Unknown form fields may carry at most {MaxFieldBytes} bytes.");
                    }
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

        var outcome = await writer.ChangeAsync<UploadOutcome>(videoId.Value, new UploadOutcome.NotFound(), edit =>
        {
            var replaced = edit.Video.StartProcessing(video.Path, video.Size, video.Type.MimeType, thumbnail?.Path, userId, edit.Now);
            edit.EnqueueProcessing();
            edit.DeleteBlobsAfterCommit(replaced);
            return new UploadOutcome.Stored(edit.Video);
        }, ct);
        if (outcome is UploadOutcome.Stored)
        {
            logger.LogInformation("User {UserId} uploaded {Bytes} bytes ({MimeType}) for video {VideoId}; processing queued",
                userId, video.Size, video.Type.MimeType, videoId);
        }
        return outcome;
    }
}
