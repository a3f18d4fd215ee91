using Microsoft.AspNetCore.Identity;
using Phyght.Core.Accounts;
using Phyght.Core.Videos;

namespace Phyght.Core.Data;

/// <summary>An account (ASP.NET Core Identity); its public face is its <see cref="Profile"/>.</summary>
public sealed class PhyghtUser : IdentityUser<Guid>;

/// <summary><c>profiles</c> as in the seed, one per account; <see cref="Role"/> is the only source of authority.</summary>
public sealed class Profile
{
    public Guid Id { get; set; }
    public required string Username { get; set; }
    public string? FullName { get; set; }
    public string? AvatarUrl { get; set; }
    public UserRole Role { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary><c>crdt_operations</c>: the op log, one row per op, unique on (video, actor, seq).
/// <see cref="Id"/> orders ops by arrival and serves as the sync cursor.</summary>
public sealed class CrdtOperation
{
    public long Id { get; set; }
    public Guid VideoId { get; set; }
    public required string Actor { get; set; }
    public long Seq { get; set; }
    public long Lamport { get; set; }
    public required string OperationType { get; set; }
    public required string Value { get; set; }
    public string? Context { get; set; }
    public Guid? Author { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
}

/// <summary>A refresh token, stored as its SHA-256 hash. Tokens of one sign-in share a family: reuse of a rotated
/// token revokes the family.</summary>
public sealed class RefreshToken
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public required string TokenHash { get; set; }
    public Guid FamilyId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}

public enum JobState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Dead,
}

/// <summary><c>processing_jobs</c>: the worker's queue. Claimed with FOR UPDATE SKIP LOCKED under a lease that
/// expires, so a dead worker's job is taken again and no job runs twice at once.</summary>
public sealed class ProcessingJob
{
    public Guid Id { get; set; }
    public Guid VideoId { get; set; }
    public JobState State { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset RunAfter { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    public string? LeasedBy { get; set; }
    public string? LastError { get; set; }
    public string? TraceParent { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary><c>change_feed</c>: the transactional outbox of real-time events. Written in the same transaction as the
/// change; <see cref="Seq"/> orders every change of every video; unpublished rows are published again after a crash.</summary>
public sealed class ChangeEvent
{
    public long Seq { get; set; }
    public Guid VideoId { get; set; }
    public required string EventType { get; set; }
    /// <summary>The video row after the change (null for a delete).</summary>
    public string? Snapshot { get; set; }
    public string? TraceParent { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? PublishedAt { get; set; }
}

/// <summary><c>video_counts</c>: live (not deleted) videos per (status, category, featured), kept exact by a trigger
/// in the same transaction as every change, so list totals never scan the catalogue.</summary>
public sealed class VideoCount
{
    public Phyght.Core.Videos.VideoStatus Status { get; set; }
    /// <summary>The category, or the empty string for none.</summary>
    public required string Category { get; set; }
    public bool IsFeatured { get; set; }
    public long Count { get; set; }
}

/// <summary><c>idempotency_keys</c>: a retried write's first answer (api.md "Retries"), per user and key, kept 24 h.
/// <see cref="StatusCode"/> is null while the first request is still in flight.</summary>
public sealed class IdempotencyRecord
{
    /// <summary>How long a key's first answer is kept (api.md: 24 h); the worker's housekeeping removes older ones.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    public Guid UserId { get; set; }
    public required string Key { get; set; }
    public required string RequestHash { get; set; }
    public int? StatusCode { get; set; }
    public string? ContentType { get; set; }
    public string? Location { get; set; }
    public byte[]? ResponseBody { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
