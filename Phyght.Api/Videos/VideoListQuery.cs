using System.Globalization;
using Phyght.Core.Videos;

namespace Phyght.Api.Videos;

/// <summary>The validated query of <c>GET /videos</c>.</summary>
public sealed record VideoListQuery(int Page, int Limit, string? Category, string? Search, VideoStatus? Status, bool? Featured, ListCursor? After)
{
    public const int MaxSearch = 200;

    public static VideoListQuery? Parse(string? page, string? limit, string? category, string? search, string? status, string? featured,
        string? cursor, out Dictionary<string, string[]> errors)
    {
        errors = [];
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
        if (errors.Count == 0 && (long)(pageValue - 1) * limitValue > int.MaxValue)
        {
            errors["page"] = ["Too large for this limit."];
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
        return errors.Count > 0
            ? null
            : new VideoListQuery(pageValue, limitValue, string.IsNullOrEmpty(category) ? null : category, searchValue, statusValue, featuredValue, after);
    }
}

/// <summary>An opaque keyset position in the newest-first order: the last video of a page.</summary>
public sealed record ListCursor(DateTimeOffset CreatedAt, Guid Id)
{
    public override string ToString() =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{CreatedAt.UtcTicks}:{Id:N}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static ListCursor? Parse(string text)
    {
        try
        {
            var padded = text.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var parts = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split(':');
            return parts.Length == 2 && long.TryParse(parts[0], out var ticks) && ticks >= 0 && ticks <= DateTimeOffset.MaxValue.UtcTicks
                && Guid.TryParseExact(parts[1], "N", out var id)
                ? new ListCursor(new DateTimeOffset(ticks, TimeSpan.Zero), id)
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
