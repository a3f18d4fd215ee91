using Microsoft.Extensions.Caching.Hybrid;
using Phyght.Core.Videos;

namespace Phyght.Api.Videos;

/// <summary>
/// The seed's "metadata cached at application level": list pages and single videos in <see cref="HybridCache"/>
/// (in memory, Redis as the shared second level). Keys carry the caller's scope, so a reader is never served a staff
/// view. Every committed change evicts by tag: the writer at once (it reads its own write), every other instance
/// when the change reaches it on the change feed.
/// </summary>
public sealed class CatalogCache(HybridCache cache) : Phyght.Core.Realtime.IChangeListener
{
    private const string ListsTag = "videos";
    private static readonly HybridCacheEntryOptions Entry = new()
    {
        Expiration = TimeSpan.FromSeconds(30),
        LocalCacheExpiration = TimeSpan.FromSeconds(30),
    };

    private static string Scope(bool staff) => staff ? "staff" : "public";

    private static string VideoTag(Guid id) => $"video:{id}";

    public ValueTask<VideoListResponse> ListAsync(VideoListQuery query, bool staff, Func<CancellationToken, ValueTask<VideoListResponse>> load, CancellationToken ct) =>
        cache.GetOrCreateAsync(
            $"videos:list:{Scope(staff)}:{query.Page}:{query.Limit}:{query.Status?.ToLowerName()}:{query.Featured}:{query.After}:{query.Category}:{query.Search}",
            load, Entry, [ListsTag], ct);

    /// <summary>A single readable video, or null (absence is cached too, and evicted the same way).</summary>
    public ValueTask<VideoResponse?> VideoAsync(Guid id, bool staff, Func<CancellationToken, ValueTask<VideoResponse?>> load, CancellationToken ct) =>
        cache.GetOrCreateAsync($"videos:one:{Scope(staff)}:{id}", load, Entry, [ListsTag, VideoTag(id)], ct);

    public ValueTask EvictAsync(Guid videoId, CancellationToken ct = default) => cache.RemoveByTagAsync([ListsTag, VideoTag(videoId)], ct);

    public ValueTask OnCommittedAsync(Phyght.Core.Data.ChangeEvent change, CancellationToken ct) => EvictAsync(change.VideoId, ct);
}
