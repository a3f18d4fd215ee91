using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using Microsoft.Extensions.Options;
using Phyght.Core.Videos;

namespace Phyght.Api.Uploads;

public abstract record DirectUploadOutcome
{
    public sealed record Opened(UploadSession Session, Uri UploadUrl) : DirectUploadOutcome;
    public sealed record Found(UploadSession Session, Uri? UploadUrl, IReadOnlyList<UploadedBlock> Blocks) : DirectUploadOutcome;
    public sealed record Completed(Video Video) : DirectUploadOutcome;
    public sealed record NotFound(string What) : DirectUploadOutcome;
    public sealed record TooLarge(long Limit) : DirectUploadOutcome;
    /// <summary>Nothing committed yet, or a blob of another size than the session's.</summary>
    public sealed record NotUploaded(string Detail) : DirectUploadOutcome;
    public sealed record WrongType : DirectUploadOutcome;
}

public sealed record UploadedBlock(string Id, long Size, bool Committed);

/// <summary>
/// Direct uploads (api.md): the client writes the file straight into one block blob with a SAS that allows creating
/// and writing that blob alone; the API signs, lists what storage holds and, on completion, checks the blob's size and
/// first bytes before it records the file and enqueues processing through <see cref="VideoWriter"/>. No byte of the
/// file passes through the API.
/// </summary>
public sealed class DirectUploadService(
    PhyghtDbContext db,
    BlobServiceClient blobs,
    VideoWriter writer,
    VideoBlobs cleanup,
    IOptions<StorageOptions> options,
    TimeProvider time,
    UploadMetrics metrics,
    ILogger<DirectUploadService> logger)
{
    /// <summary>What clients stage per block: 8 MiB (Azure allows 50,000 blocks, so 390 GiB per blob).</summary>
    public const int BlockSize = 8 << 20;

    private static readonly Dictionary<string, string> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["mp4"] = "mp4", ["m4v"] = "mp4", ["mov"] = "mov", ["webm"] = "webm", ["ogv"] = "ogv", ["ogg"] = "ogv", ["avi"] = "avi",
    };

    public async Task<DirectUploadOutcome> OpenAsync(Guid videoId, long size, string? fileName, Guid userId, CancellationToken ct)
    {
        if (size > options.Value.MaxDirectUploadBytes)
        {
            return new DirectUploadOutcome.TooLarge(options.Value.MaxDirectUploadBytes);
        }
        if (!await db.Videos.AnyAsync(v => v.Id == videoId && v.DeletedAt == null, ct))
        {
            return new DirectUploadOutcome.NotFound("The video");
        }
        var now = time.GetUtcNow();
        // The content decides the type at completion; the name's extension only names the blob.
        var extension = Extensions.GetValueOrDefault(Path.GetExtension(fileName ?? "").TrimStart('.'), "bin");
        var name = BlobPath.VideoName(videoId, now.ToUnixTimeMilliseconds(), extension);
        // Only a W3C id fits the column and parses back (a hierarchical Request-Id can be a kilobyte long).
        var traceParent = System.Diagnostics.Activity.Current is { IdFormat: System.Diagnostics.ActivityIdFormat.W3C } current ? current.Id : null;
        var session = UploadSession.Open(videoId, userId, BlobPath.Stored(BlobPath.VideosContainer, name), size, traceParent, now);
        await blobs.GetBlobContainerClient(BlobPath.VideosContainer).CreateIfNotExistsAsync(cancellationToken: ct);
        db.UploadSessions.Add(session);
        await db.SaveChangesAsync(ct);
        metrics.SessionsOpened.Add(1);
        logger.LogInformation("User {UserId} opened upload session {SessionId} for video {VideoId}: {Bytes} bytes into {BlobPath}",
            userId, session.Id, videoId, size, session.BlobPath);
        return new DirectUploadOutcome.Opened(session, UploadUrlOf(session));
    }

    public async Task<DirectUploadOutcome> GetAsync(Guid sessionId, Guid userId, CancellationToken ct)
    {
        if (await db.UploadSessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId && s.UserId == userId, ct) is not { } session)
        {
            return new DirectUploadOutcome.NotFound("The upload session");
        }
        var blocks = new List<UploadedBlock>();
        if (!session.IsCompleted)
        {
            try
            {
                var list = (await BlobOf(session).GetBlockListAsync(BlockListTypes.All, cancellationToken: ct)).Value;
                blocks.AddRange(list.CommittedBlocks.Select(b => new UploadedBlock(b.Name, b.SizeLong, true)));
                blocks.AddRange(list.UncommittedBlocks.Select(b => new UploadedBlock(b.Name, b.SizeLong, false)));
            }
            catch (Azure.RequestFailedException ex) when (ex.Status == StatusCodes.Status404NotFound)
            {
                // Nothing staged yet.
            }
        }
        return new DirectUploadOutcome.Found(session, session.IsCompleted ? null : UploadUrlOf(session), blocks);
    }

    public async Task<DirectUploadOutcome> RenewAsync(Guid sessionId, Guid userId, CancellationToken ct)
    {
        if (await db.UploadSessions.SingleOrDefaultAsync(s => s.Id == sessionId && s.UserId == userId, ct) is not { IsCompleted: false } session)
        {
            return new DirectUploadOutcome.NotFound("An open upload session");
        }
        session.Renew(time.GetUtcNow());
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new DirectUploadOutcome.NotFound("An open upload session"); // swept meanwhile
        }
        return new DirectUploadOutcome.Opened(session, UploadUrlOf(session));
    }

    /// <summary>Checks the committed blob, then records it on the video and enqueues processing in one transaction
    /// that also marks the session completed; completing again answers the video as it is.</summary>
    public async Task<DirectUploadOutcome> CompleteAsync(Guid sessionId, Guid userId, CancellationToken ct)
    {
        if (await db.UploadSessions.SingleOrDefaultAsync(s => s.Id == sessionId && s.UserId == userId, ct) is not { } session)
        {
            return new DirectUploadOutcome.NotFound("The upload session");
        }
        // The completion's trace (which the job and the worker continue) links back to the request that opened it.
        if (System.Diagnostics.ActivityContext.TryParse(session.TraceParent, null, out var opened))
        {
            System.Diagnostics.Activity.Current?.AddLink(new System.Diagnostics.ActivityLink(opened));
        }
        System.Diagnostics.Activity.Current?.SetTag("phyght.upload.session_id", session.Id);
        if (session.IsCompleted)
        {
            return await db.Videos.AsNoTracking().SingleOrDefaultAsync(v => v.Id == session.VideoId, ct) is { } done
                ? new DirectUploadOutcome.Completed(done)
                : new DirectUploadOutcome.NotFound("The video");
        }
        var blob = BlobOf(session);
        BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: ct)).Value;
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == StatusCodes.Status404NotFound)
        {
            return new DirectUploadOutcome.NotUploaded("The file has not been committed yet: stage its blocks, then commit the block list.");
        }
        if (properties.ContentLength != session.Size)
        {
            return new DirectUploadOutcome.NotUploaded($"The committed file has {properties.ContentLength} bytes, the session {session.Size}: commit the missing blocks.");
        }
        var checkedVersion = new BlobRequestConditions { IfMatch = properties.ETag };
        byte[] head;
        try
        {
            head = (await blob.DownloadContentAsync(new BlobDownloadOptions { Range = new Azure.HttpRange(0, MediaType.SniffLength), Conditions = checkedVersion }, ct)).Value.Content.ToArray();
        }
        catch (Azure.RequestFailedException ex) when (ex.Status is StatusCodes.Status412PreconditionFailed or StatusCodes.Status404NotFound)
        {
            return await CompletedMeanwhileAsync(session, ct) ?? Changed();
        }
        if (MediaType.DetectVideo(head) is not { } type)
        {
            await cleanup.DeleteAsync([session.BlobPath]);
            metrics.Outcome("wrong_type");
            logger.LogInformation("Upload session {SessionId} of video {VideoId}: the file is not a video; its blob was deleted", session.Id, session.VideoId);
            return new DirectUploadOutcome.WrongType();
        }
        // The session's SAS stays valid until it expires and cannot be revoked, so the video gets a server-side copy of
        // exactly the checked version, under a name no SAS covers; the session's own blob is deleted after the commit.
        if (await CopyCheckedAsync(blob, checkedVersion, session, ct) is not { } stored)
        {
            return await CompletedMeanwhileAsync(session, ct) ?? Changed();
        }

        DirectUploadOutcome outcome;
        var edited = false;
        try
        {
            outcome = await writer.ChangeAsync<DirectUploadOutcome>(session.VideoId, new DirectUploadOutcome.NotFound("The video"), async (edit, token) =>
            {
                // Under the video's row lock: a completion that ran meanwhile (a retry racing its first try) wins.
                await db.Entry(session).ReloadAsync(token);
                if (db.Entry(session).State == EntityState.Detached)
                {
                    return new DirectUploadOutcome.NotFound("The upload session"); // swept meanwhile, its blob with it
                }
                if (session.IsCompleted)
                {
                    return new DirectUploadOutcome.Completed(edit.Video);
                }
                var replaced = edit.Video.StartProcessing(stored, session.Size, type.MimeType, null, userId, edit.Now);
                edit.EnqueueProcessing();
                edit.DeleteBlobsAfterCommit([.. replaced, session.BlobPath]);
                session.Complete(edit.Now);
                edited = true;
                return new DirectUploadOutcome.Completed(edit.Video);
            }, ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new DirectUploadOutcome.NotFound("The upload session"); // swept meanwhile: nothing was committed
        }
        if (!edited)
        {
            await cleanup.DeleteAsync([stored]); // another completion won, or the session or the video went meanwhile
        }
        if (outcome is DirectUploadOutcome.Completed && edited)
        {
            metrics.Outcome("stored");
            metrics.BytesStored.Add(session.Size, new KeyValuePair<string, object?>("container", BlobPath.VideosContainer));
            logger.LogInformation("User {UserId} completed upload session {SessionId}: {Bytes} bytes ({MimeType}) for video {VideoId}, copied to {BlobPath}; processing queued",
                userId, session.Id, session.Size, type.MimeType, session.VideoId, stored);
        }
        return outcome;
    }

    /// <summary>A completion of the same session that ran alongside (a client retrying) may have finished first and
    /// removed the session's blob: then this one answers as it did.</summary>
    private async Task<DirectUploadOutcome?> CompletedMeanwhileAsync(UploadSession session, CancellationToken ct)
    {
        await db.Entry(session).ReloadAsync(ct);
        if (db.Entry(session).State == EntityState.Detached)
        {
            return new DirectUploadOutcome.NotFound("The upload session");
        }
        return session.IsCompleted && await db.Videos.AsNoTracking().SingleOrDefaultAsync(v => v.Id == session.VideoId, ct) is { } video
            ? new DirectUploadOutcome.Completed(video)
            : null;
    }

    private static DirectUploadOutcome Changed() =>
        new DirectUploadOutcome.NotUploaded("The file changed while the session was being completed: commit it, then complete again.");

    /// <summary>The video's own copy of the session's blob as it was checked, or null when it changed (or went) since.</summary>
    private async Task<string?> CopyCheckedAsync(BlockBlobClient source, BlobRequestConditions checkedVersion, UploadSession session, CancellationToken ct)
    {
        BlobPath.TryParse(session.BlobPath, out var container, out var sessionName);
        var readable = source.GenerateSasUri(BlobSasPermissions.Read, time.GetUtcNow().AddMinutes(15));
        var first = time.GetUtcNow().ToUnixTimeMilliseconds();
        // Completions of one session running at once (a client retrying) may pick the same millisecond: never copy over
        // another's copy (it may be the video's file by now); take the next free name.
        for (var ms = first; ms < first + 10; ms++)
        {
            var name = BlobPath.VideoName(session.VideoId, ms, Path.GetExtension(sessionName).TrimStart('.'));
            var target = blobs.GetBlobContainerClient(container).GetBlockBlobClient(name);
            try
            {
                var copy = await target.StartCopyFromUriAsync(readable, new BlobCopyFromUriOptions
                {
                    SourceConditions = checkedVersion,
                    DestinationConditions = new BlobRequestConditions { IfNoneMatch = Azure.ETag.All },
                }, ct);
                await copy.WaitForCompletionAsync(ct);
                return BlobPath.Stored(container, name);
            }
            catch (Azure.RequestFailedException ex) when (ex.Status is StatusCodes.Status409Conflict or StatusCodes.Status412PreconditionFailed or StatusCodes.Status404NotFound)
            {
                if (!await target.ExistsAsync(ct))
                {
                    return null; // changed since it was checked, or removed by a completion that finished first
                }
            }
        }
        return null;
    }

    private BlockBlobClient BlobOf(UploadSession session)
    {
        BlobPath.TryParse(session.BlobPath, out var container, out var name);
        return blobs.GetBlobContainerClient(container).GetBlockBlobClient(name);
    }

    /// <summary>A SAS for the session's blob alone: create and write (Put Block, Put Block List), no read, no list.</summary>
    private Uri UploadUrlOf(UploadSession session)
    {
        var blob = BlobOf(session);
        var sas = new BlobSasBuilder(BlobSasPermissions.Create | BlobSasPermissions.Write, session.ExpiresAt)
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
        };
        return blob.GenerateSasUri(sas);
    }
}
