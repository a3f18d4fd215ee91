namespace Phyght.Api.Infrastructure;

/// <summary><c>Api</c>: the bounds every request works within (api.md "Limits").</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>The largest request body outside uploads; larger → 413 before it is read.</summary>
    public long MaxJsonBodyBytes { get; set; } = 1_048_576;

    /// <summary>The longest a request's SQL statement may run (PostgreSQL's <c>statement_timeout</c>); past it → 503.</summary>
    public int StatementTimeoutMilliseconds { get; set; } = 5_000;

    /// <summary>The API's address as browsers reach it, for the media links in responses (<c>video_url</c>); the
    /// AppHost sets it. Unset, links are relative to the API.</summary>
    public string? PublicUrl { get; set; }
}
