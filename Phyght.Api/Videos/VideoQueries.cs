using System.Linq.Expressions;
using Phyght.Core.Videos;

namespace Phyght.Api.Videos;

/// <summary>The catalogue's reads: list pages and single videos, as the caller may see them (<see cref="VideoAccess"/>).</summary>
public sealed class VideoQueries(PhyghtDbContext db)
{
    /// <summary>Search totals are counted exactly up to this many matches; past it the total is this bound and is
    /// marked as an estimate, so a common word costs a bounded count, not a scan of every match.</summary>
    public const int SearchCountCap = 1_000;

    /// <summary>The columns a list shows: not the CRDT state, which grows with the edit history.</summary>
    public static readonly Expression<Func<Video, Video>> ListColumns = v => new Video
    {
        Id = v.Id,
        Title = v.Title,
        Description = v.Description,
        FilePath = v.FilePath,
        ThumbnailPath = v.ThumbnailPath,
        Duration = v.Duration,
        FileSize = v.FileSize,
        MimeType = v.MimeType,
        Status = v.Status,
        VectorClock = v.VectorClock,
        LastModifiedBy = v.LastModifiedBy,
        Version = v.Version,
        Tags = v.Tags,
        Category = v.Category,
        IsFeatured = v.IsFeatured,
        ViewCount = v.ViewCount,
        CreatedAt = v.CreatedAt,
        UpdatedAt = v.UpdatedAt,
        DeletedAt = v.DeletedAt,
        ProcessingResults = v.ProcessingResults,
        FailureReason = v.FailureReason,
    };

    public IQueryable<Video> Readable(bool staff) => db.Videos.AsNoTracking().Where(VideoAccess.Readable(staff));

    public Task<Video?> FindReadableAsync(Guid id, bool staff, CancellationToken ct) =>
        Readable(staff).SingleOrDefaultAsync(v => v.Id == id, ct);

    public async Task<(List<Video> Videos, long Total, bool TotalIsEstimate)> ListAsync(VideoListQuery query, bool staff, CancellationToken ct)
    {
        // One connection for a search's count and page. It is closed here, not left open in the pooled context, where
        // the next request would inherit this caller.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            return await ListOnOpenConnectionAsync(query, staff, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private Task<(List<Video> Videos, long Total, bool TotalIsEstimate)> ListOnOpenConnectionAsync(VideoListQuery query, bool staff, CancellationToken ct) =>
        query.Search is { } search ? SearchAsync(query, search, staff, ct) : BrowseAsync(query, staff, ct);

    /// <summary>A page and its exact total (from video_counts, kept by trigger, without scanning videos) in one
    /// statement; only a page past the end reads the total on its own.</summary>
    private async Task<(List<Video> Videos, long Total, bool TotalIsEstimate)> BrowseAsync(VideoListQuery query, bool staff, CancellationToken ct)
    {
        var rows = new List<BrowseRow>(query.Limit);
        await foreach (var row in BrowsePages[staff ? 1 : 0](db, query.Status, query.Category, query.Featured, query.After?.CreatedAt,
            query.After?.Id ?? Guid.Empty, query.After is null ? (int)query.Offset : 0, query.Limit).WithCancellation(ct))
        {
            rows.Add(row);
        }
        return rows.Count > 0
            ? ([.. rows.Select(r => r.Video)], rows[0].Total, false)
            : ([], await BrowseTotals[staff ? 1 : 0](db, query.Status, query.Category, query.Featured, ct), false);
    }

    private sealed class BrowseRow
    {
        public required Video Video { get; init; }
        public long Total { get; init; }
    }

    // The catalogue's most common read, compiled once per audience (EF.CompileAsyncQuery): building, funcletizing and
    // looking up its expression tree per request were a third of the API's samples in a profile of uncached pages.
    // EF drops a filter left null from the SQL (it caches one statement per pattern of null parameters), so each shape
    // still gets the plan of its own index. A page by number has no cursor (null); a page after a cursor skips nothing.
    private static readonly Func<PhyghtDbContext, VideoStatus?, string?, bool?, DateTimeOffset?, Guid, int, int, IAsyncEnumerable<BrowseRow>>[] BrowsePages =
        [CompileBrowsePage(staff: false), CompileBrowsePage(staff: true)];

    private static readonly Func<PhyghtDbContext, VideoStatus?, string?, bool?, CancellationToken, Task<long>>[] BrowseTotals =
        [CompileBrowseTotal(staff: false), CompileBrowseTotal(staff: true)];

    private static Func<PhyghtDbContext, VideoStatus?, string?, bool?, DateTimeOffset?, Guid, int, int, IAsyncEnumerable<BrowseRow>> CompileBrowsePage(bool staff) =>
        EF.CompileAsyncQuery((PhyghtDbContext db, VideoStatus? status, string? category, bool? featured, DateTimeOffset? afterCreatedAt, Guid afterId, int offset, int limit) =>
            db.Videos.AsNoTracking()
                .Where(VideoAccess.Readable(staff))
                .Where(v => (status == null || v.Status == status) && (category == null || v.Category == category) && (featured == null || v.IsFeatured == featured))
                .Where(v => afterCreatedAt == null
                    || EF.Functions.LessThan(ValueTuple.Create(v.CreatedAt, v.Id), ValueTuple.Create(afterCreatedAt.Value, afterId)))
                .OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Id)
                .Skip(offset).Take(limit)
                .Select(ListColumns)
                .Select(v => new BrowseRow
                {
                    Video = v,
                    Total = db.VideoCounts
                        .Where(c => (staff || c.Status == VideoStatus.Ready) && (status == null || c.Status == status)
                            && (category == null || c.Category == category) && (featured == null || c.IsFeatured == featured))
                        .Sum(c => c.Count),
                }));

    private static Func<PhyghtDbContext, VideoStatus?, string?, bool?, CancellationToken, Task<long>> CompileBrowseTotal(bool staff) =>
        EF.CompileAsyncQuery((PhyghtDbContext db, VideoStatus? status, string? category, bool? featured, CancellationToken ct) =>
            db.VideoCounts
                .Where(c => (staff || c.Status == VideoStatus.Ready) && (status == null || c.Status == status)
                    && (category == null || c.Category == category) && (featured == null || c.IsFeatured == featured))
                .Sum(c => c.Count));

    /// <summary>A page of a search and its total, exact up to <see cref="SearchCountCap"/> matches.</summary>
    private async Task<(List<Video> Videos, long Total, bool TotalIsEstimate)> SearchAsync(VideoListQuery query, string search, bool staff, CancellationToken ct)
    {
        var videos = query.Filter(Readable(staff)).Where(v => v.SearchVector!.Matches(PhyghtDbContext.PrefixQuery(search)));
        var counted = await videos.Take(SearchCountCap + 1).LongCountAsync(ct);
        if (counted > SearchCountCap)
        {
            return (await Page(videos, query).ToListAsync(ct), SearchCountCap, true);
        }
        if (query.After is null && query.Offset >= counted)
        {
            return ([], counted, false);
        }
        // Few matches: take them from the text index and sort them, rather than let the planner walk the newest-first
        // index hoping to meet 20 of them (at a million videos, a rare word cost seconds that way). The LIMIT keeps the
        // match list a subquery PostgreSQL evaluates first.
        var matches = videos.Select(v => v.Id).Take(SearchCountCap + 1);
        return (await Page(Readable(staff).Where(v => matches.Contains(v.Id)), query).ToListAsync(ct), counted, false);
    }

    /// <summary>The page of <paramref name="videos"/> newest first: after the cursor (a keyset as a row comparison, an
    /// index range scan, so any page costs what the first costs) or at the offset (bounded by Catalog:MaxOffset).</summary>
    private static IQueryable<Video> Page(IQueryable<Video> videos, VideoListQuery query)
    {
        var ordered = videos.OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Id);
        var page = query.After is { } after
            ? ordered.Where(v => EF.Functions.LessThan(ValueTuple.Create(v.CreatedAt, v.Id), ValueTuple.Create(after.CreatedAt, after.Id)))
            : ordered.Skip((int)query.Offset);
        return page.Take(query.Limit).Select(ListColumns);
    }
}
