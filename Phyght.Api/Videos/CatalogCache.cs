using Microsoft.Extensions.Caching.Hybrid;
using Phyght.Core.Videos;

namespace Phyght.Api.Videos;

/// <summary>
/// The seed's "metadata cached at application level": list pages and single videos in <see cref="HybridCache"/>
/// (in memory, Redis as the shared second level). Keys carry the caller's scope, so a reader is never served a staff
/// view. Every committed change evicts by tag: the writer at once (it reads its own write), every other instance
/// when the change reaches it on the change feed.
/// </summary>
public sealed class CatalogCache(HybridCache cache, Microsoft.Extensions.Options.IOptions<CatalogCacheOptions> options) : Phyght.Core.Realtime.IChangeListener
{
    private const string ListsTag = "videos";
    private readonly HybridCacheEntryOptions _entry = new()
    {
        Expiration = TimeSpan.FromSeconds(options.Value.Seconds),
        LocalCacheExpiration = TimeSpan.FromSeconds(options.Value.Seconds),
    };

    private static string VideoTag(Guid id) => $"video:{id}";

    public ValueTask<VideoListResponse> ListAsync(VideoListQuery query, bool staff, Func<CancellationToken, ValueTask<VideoListResponse>> load, CancellationToken ct) =>
        GetOrLoadAsync(
            $"videos:list:{VideoAccess.Audience(staff)}:{query.Key}",
            load, [ListsTag], ct);

    /// <summary>A single readable video, or null (absence is cached too, and evicted the same way).</summary>
    public ValueTask<VideoResponse?> VideoAsync(Guid id, bool staff, Func<CancellationToken, ValueTask<VideoResponse?>> load, CancellationToken ct) =>
        GetOrLoadAsync($"videos:one:{VideoAccess.Audience(staff)}:{id}", load, [ListsTag, VideoTag(id)], ct);

    private ValueTask<T> GetOrLoadAsync<T>(string key, Func<CancellationToken, ValueTask<T>> load, string[] tags, CancellationToken ct)
    {
        if (options.Value.Seconds <= 0)
        {
            return load(ct);
        }
        // HybridCache runs the load on a work item of its own, where the request's trace is not current: its queries
        // would start traces of their own. The load continues the request's trace instead.
        var request = System.Diagnostics.Activity.Current;
        return cache.GetOrCreateAsync(key, token =>
        {
            System.Diagnostics.Activity.Current ??= request;
            return load(token);
        }, _entry, tags, ct);
    }

    public ValueTask EvictAsync(Guid videoId, CancellationToken ct = default) => cache.RemoveByTagAsync([ListsTag, VideoTag(videoId)], ct);

    public ValueTask OnCommittedAsync(Phyght.Core.Data.ChangeEvent change, CancellationToken ct) => EvictAsync(change.VideoId, ct);
}

/// <summary><c>Catalog:Cache</c>: how long list pages and videos stay cached (changes evict them at once anyway);
/// 0 turns the cache off, e.g. to measure the database path.</summary>
public sealed class CatalogCacheOptions
{
    public const string Section = "Catalog:Cache";

    public int Seconds { get; set; } = 30;
}

/// <summary><c>Catalog</c>: how deep a page by number may go ((page − 1) × limit); deeper pages use the cursor.</summary>
public sealed class CatalogOptions
{
    public const string Section = "Catalog";

    public int MaxOffset { get; set; } = 10_000;
}
