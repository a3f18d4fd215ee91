namespace Phyght.Core.Videos;

/// <summary>
/// <c>upload_sessions</c>: a direct upload in progress. The client writes one block blob (<see cref="BlobPath"/>)
/// straight to storage with a SAS for that blob alone; completing it records the file on the video. A session never
/// completed is swept with its blob by the worker's housekeeping once <see cref="ExpiresAt"/> plus a grace has passed.
/// </summary>
public sealed class UploadSession
{
    /// <summary>How long an upload URL is valid; a renewal gives as much again.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    public Guid Id { get; private set; }
    public Guid VideoId { get; private set; }
    public Guid UserId { get; private set; }
    /// <summary>The blob the client writes, with its container: <c>videos/{video-id}/{unix-ms}.{ext}</c>.</summary>
    public string BlobPath { get; private set; } = "";
    public long Size { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset ExpiresAt { get; private set; }
    public DateTimeOffset? CompletedAt { get; private set; }
    /// <summary>The W3C trace context of the request that opened the session: its completion links to it.</summary>
    public string? TraceParent { get; private set; }

    public bool IsCompleted => CompletedAt is not null;

    public static UploadSession Open(Guid videoId, Guid userId, string blobPath, long size, string? traceParent, DateTimeOffset now) => new()
    {
        TraceParent = traceParent,
        Id = Guid.CreateVersion7(now),
        VideoId = videoId,
        UserId = userId,
        BlobPath = blobPath,
        Size = size,
        CreatedAt = now,
        ExpiresAt = now + Lifetime,
    };

    public void Renew(DateTimeOffset now)
    {
        if (IsCompleted)
        {
            throw new InvalidOperationException("A completed upload session cannot be renewed.");
        }
        ExpiresAt = now + Lifetime;
    }

    public void Complete(DateTimeOffset now) => CompletedAt ??= now;
}
