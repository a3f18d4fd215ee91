using System.Text.Json;
using System.Text.Json.Serialization;
using Phyght.Core.Crdt;
using Phyght.Core.Videos;

namespace Phyght.Api.Videos;

/// <summary>A video as every endpoint returns it (api.md).</summary>
public sealed record VideoResponse(
    Guid Id,
    string Title,
    string? Description,
    string? Category,
    IReadOnlyList<string> Tags,
    bool IsFeatured,
    string Status,
    int? Duration,
    long? FileSize,
    string? MimeType,
    string? FilePath,
    string? ThumbnailPath,
    string? VideoUrl,
    string? ThumbnailUrl,
    long ViewCount,
    IReadOnlyDictionary<string, long> VectorClock,
    long Version,
    Guid? LastModifiedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? DeletedAt,
    [property: JsonPropertyName("processingResults")] JsonElement? ProcessingResults,
    string? FailureReason);

public sealed record PaginationResponse(
    int Page,
    int Limit,
    long Total,
    [property: JsonPropertyName("totalPages")] long TotalPages,
    /// <summary>Pass as <c>cursor</c> for the next page (keyset: as cheap as the first); null on the last page.</summary>
    string? NextCursor,
    /// <summary>True when <c>total</c> is a lower bound (a search matching more than can be counted cheaply).</summary>
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? TotalIsEstimate);

public sealed record VideoListResponse(IReadOnlyList<VideoResponse> Videos, PaginationResponse Pagination);

public sealed record DeleteResponse(Guid Id, string Deleted);

/// <summary>Builds responses; URLs are links a browser can fetch directly (range requests work), see <see cref="VideoUrls"/>.</summary>
public sealed class VideoResponses(VideoUrls urls)
{
    public VideoResponse From(Video video) => new(
        video.Id,
        video.Title,
        video.Description,
        video.Category,
        video.Tags,
        video.IsFeatured,
        video.Status.ToLowerName(),
        video.Duration,
        video.FileSize,
        video.MimeType,
        video.FilePath,
        video.ThumbnailPath,
        urls.LinkTo(video, VideoUrls.VideoKind),
        urls.LinkTo(video, VideoUrls.ThumbnailKind),
        video.ViewCount,
        DocumentJson.DeserializeClock(video.VectorClock).Entries,
        video.Version,
        video.LastModifiedBy,
        video.CreatedAt,
        video.UpdatedAt,
        video.DeletedAt,
        video.ProcessingResults is null ? null : JsonElement.Parse(video.ProcessingResults),
        video.FailureReason);
}
