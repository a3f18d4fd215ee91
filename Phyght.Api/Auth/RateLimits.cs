using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Phyght.Api.Auth;

/// <summary><c>RateLimits:{General,Auth}</c>: permits per window, per signed-in user or per IP for anonymous callers.</summary>
public sealed class RateLimitOptions
{
    public int PermitLimit { get; set; }
    public int WindowSeconds { get; set; } = 60;
}

public static class RateLimits
{
    public const string Auth = "auth";

    public static IServiceCollection AddRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var general = configuration.GetSection("RateLimits:General").Get<RateLimitOptions>() ?? new RateLimitOptions();
        var auth = configuration.GetSection("RateLimits:Auth").Get<RateLimitOptions>() ?? new RateLimitOptions();
        if (general.PermitLimit <= 0) general.PermitLimit = 1200;
        if (auth.PermitLimit <= 0) auth.PermitLimit = 30;

        return services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                RateLimitPartition.GetFixedWindowLimiter(PartitionKey(context), _ => Window(general)));
            options.AddPolicy(Auth, context => RateLimitPartition.GetFixedWindowLimiter("ip:" + Ip(context), _ => Window(auth)));
            options.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? (int)Math.Ceiling(wait.TotalSeconds) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = $"Rate limit reached; retry after {retryAfter} s.",
                    },
                });
            };
        });
    }

    private static FixedWindowRateLimiterOptions Window(RateLimitOptions options) => new()
    {
        PermitLimit = options.PermitLimit,
        Window = TimeSpan.FromSeconds(options.WindowSeconds),
        QueueLimit = 0,
    };

    private static string PartitionKey(HttpContext context) =>
        context.User.FindFirst("sub")?.Value is { } user ? "user:" + user : "ip:" + Ip(context);

    private static string Ip(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
