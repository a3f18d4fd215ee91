using Phyght.Core.Videos;

namespace Phyght.Api.Videos;

/// <summary>The catalogue's reads: list pages and single videos, as the caller may see them (<see cref="VideoAccess"/>).</summary>
public sealed class VideoQueries(PhyghtDbContext db)
{
    /// <summary>Search totals are counted exactly up to this many matches; past it the total is this bound and is
    /// marked as an estimate, so a common word costs a bounded count, not a scan of every match.</summary>
    public const int SearchCountCap = 1_000;

    public IQueryable<Video> Readable(bool staff) => db.Videos.AsNoTracking().Where(VideoAccess.Readable(staff));

    public Task<Video?> FindReadableAsync(Guid id, bool staff, CancellationToken ct) =>
        Readable(staff).SingleOrDefaultAsync(v => v.Id == id, ct);

    public async Task<(List<Video> Videos, long Total, bool TotalIsEstimate)> ListAsync(VideoListQuery query, bool staff, CancellationToken ct)
    {
        // One connection for the count and the page: each open also sets the caller for row level security. It is
        // closed here, not left open in the pooled context, where the next request would inherit this caller.
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

    private async Task<(List<Video> Videos, long Total, bool TotalIsEstimate)> ListOnOpenConnectionAsync(VideoListQuery query, bool staff, CancellationToken ct)
    {
        var videos = query.Filter(Readable(staff));
        long total;
        var estimate = false;
        if (query.Search is { } search)
        {
            videos = videos.Where(v => v.SearchVector!.Matches(PhyghtDbContext.PrefixQuery(search)));
            var counted = await videos.Take(SearchCountCap + 1).LongCountAsync(ct);
            (total, estimate) = counted > SearchCountCap ? (SearchCountCap, true) : (counted, false);
            if (!estimate)
            {
                // Few matches: take them from the text index and sort them, rather than let the planner walk the
                // newest-first index hoping to meet 20 of them (at a million videos, a rare word cost seconds that way).
                // The LIMIT keeps the match list a subquery PostgreSQL evaluates first.
                var matches = videos.Select(v => v.Id).Take(SearchCountCap + 1);
                videos = Readable(staff).Where(v => matches.Contains(v.Id));
            }
        }
        else
        {
            // The exact total from video_counts (kept by trigger), without scanning videos.
            var counts = db.VideoCounts.AsNoTracking().Where(c => staff || c.Status == VideoStatus.Ready);
            total = await query.Filter(counts).SumAsync(c => c.Count, ct);
        }
        var ordered = videos.OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Id);
        if (query.After is { } after)
        {
            // Keyset as a row comparison, an index range scan: the page after the cursor costs what the first page costs.
            var next = await ordered.Where(v => EF.Functions.LessThan(ValueTuple.Create(v.CreatedAt, v.Id), ValueTuple.Create(after.CreatedAt, after.Id)))
                .Take(query.Limit).ToListAsync(ct);
            return (next, total, estimate);
        }
        if (!estimate && query.Offset >= total)
        {
            return ([], total, estimate);
        }
        // The offset is bounded by Catalog:MaxOffset (deeper pages use the cursor), so this costs at most that many rows.
        return (await ordered.Skip((int)query.Offset).Take(query.Limit).ToListAsync(ct), total, estimate);
    }
}
