using System.Globalization;
using Microsoft.OpenApi;
using Phyght.Core.Videos;

namespace Phyght.Api.Videos;

/// <summary>The validated query of <c>GET /videos</c>, and the one place its filters are applied.</summary>
public sealed record VideoListQuery(int Page, int Limit, string? Category, string? Search, VideoStatus? Status, bool? Featured, ListCursor? After)
{
    public const int MaxSearch = 200;
    public const int MaxCategory = Phyght.Core.Crdt.OperationRules.MaxCategory;

    /// <summary>Everything that decides the answer, for the cache key.</summary>
    public string Key => $"{Page}:{Limit}:{Status?.ToLowerName()}:{Featured}:{After}:{Category}:{Search}";

    public long Offset => (long)(Page - 1) * Limit;

    /// <summary>The status, category and featured filters (search is applied by the catalogue, which needs its own plan).</summary>
    public IQueryable<Video> Filter(IQueryable<Video> videos)
    {
        if (Status is { } status) videos = videos.Where(v => v.Status == status);
        if (Category is { } category) videos = videos.Where(v => v.Category == category);
        if (Featured is { } featured) videos = videos.Where(v => v.IsFeatured == featured);
        return videos;
    }

    /// <summary>The same filters over <c>video_counts</c>.</summary>
    public IQueryable<VideoCount> Filter(IQueryable<VideoCount> counts)
    {
        if (Status is { } status) counts = counts.Where(c => c.Status == status);
        if (Category is { } category) counts = counts.Where(c => c.Category == category);
        if (Featured is { } featured) counts = counts.Where(c => c.IsFeatured == featured);
        return counts;
    }

    /// <summary>The query as <see cref="Parse"/> reads it, for the OpenAPI document.</summary>
    public static IEnumerable<OpenApiParameter> Parameters(int maxOffset) =>
    [
        JsonBodySchema.Query("page", JsonBodySchema.Integer(1, int.MaxValue, 1),
            $"The page, from 1. (page − 1) × limit may be at most {maxOffset}: page further with cursor."),
        JsonBodySchema.Query("limit", JsonBodySchema.Integer(1, 100, 20), "Videos per page."),
        JsonBodySchema.Query("category", JsonBodySchema.Text(MaxCategory), "Only videos of this category."),
        JsonBodySchema.Query("search", JsonBodySchema.Text(MaxSearch), "Only videos whose title or description contains this text, case-insensitive."),
        JsonBodySchema.Query("status", JsonBodySchema.OneOf(Enum.GetValues<VideoStatus>().Select(s => s.ToLowerName())),
            "Only videos in this state (anonymous callers and role user see only ready videos)."),
        JsonBodySchema.Query("featured", JsonBodySchema.Flag(), "Only featured (true) or only other (false) videos."),
        JsonBodySchema.Query("cursor", new OpenApiSchema { Type = JsonSchemaType.String },
            "The next_cursor of the previous page: the page after it, as cheap to read as the first."),
    ];

    public static VideoListQuery? Parse(string? page, string? limit, string? category, string? search, string? status, string? featured,
        string? cursor, int maxOffset, out Dictionary<string, string[]> errors)
    {
        errors = [];
        foreach (var (name, value) in new[] { ("page", page), ("limit", limit), ("category", category), ("search", search), ("status", status), ("featured", featured), ("cursor", cursor) })
        {
            if (TextRules.HasControlCharacters(value))
            {
                errors[name] = [TextRules.ControlCharacterMessage];
            }
        }
        if (errors.Count > 0)
        {
            return null;
        }
        ListCursor? after = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            after = ListCursor.Parse(cursor);
            if (after is null)
            {
                errors["cursor"] = ["Not a cursor this API returned."];
            }
        }
        var pageValue = 1;
        var limitValue = 20;
        if (page is not null && (!int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out pageValue) || pageValue < 1))
        {
            errors["page"] = ["An integer of at least 1."];
        }
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out limitValue) || limitValue is < 1 or > 100))
        {
            errors["limit"] = ["An integer from 1 to 100."];
        }
        if (errors.Count == 0 && (long)(pageValue - 1) * limitValue > maxOffset)
        {
            errors["cursor"] = [$"(page − 1) × limit may be at most {maxOffset}; page further with the next_cursor of each page."];
        }
        VideoStatus? statusValue = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (EnumNames.TryParse<VideoStatus>(status, out var parsed))
            {
                statusValue = parsed;
            }
            else
            {
                errors["status"] = ["One of uploading, processing, ready, failed."];
            }
        }
        bool? featuredValue = null;
        if (!string.IsNullOrEmpty(featured))
        {
            if (bool.TryParse(featured, out var parsed))
            {
                featuredValue = parsed;
            }
            else
            {
                errors["featured"] = ["true or false."];
            }
        }
        var searchValue = string.IsNullOrWhiteSpace(search) ? null : search.Trim();
        if (searchValue is { Length: > MaxSearch })
        {
            errors["search"] = [$"At most {MaxSearch} characters."];
        }
        if (category is { Length: > MaxCategory })
        {
            errors["category"] = [$"At most {MaxCategory} characters."];
        }
        return errors.Count > 0
            ? null
            : new VideoListQuery(pageValue, limitValue, string.IsNullOrEmpty(category) ? null : category, searchValue, statusValue, featuredValue, after);
    }
}
