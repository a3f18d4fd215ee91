using System.Text.Json;
using Phyght.Api.Auth;
using Phyght.Api.Realtime;
using Phyght.Api.Sync;
using Phyght.Api.Uploads;
using Phyght.Api.Videos;
using Phyght.Core.Videos;

namespace Phyght.Api.Infrastructure;

public static class ApplicationServiceExtensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddPhyghtDatabase(services => services.GetRequiredService<IHttpContextAccessor>().HttpContext?.User.UserId());
        builder.AddAccountsDatabase();
        builder.AddRedisClient(ResourceNames.Redis);
        // Without Redis the API still serves and writes (events wait in the outbox): degraded, not down.
        builder.Services.PostConfigure<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckServiceOptions>(options =>
        {
            foreach (var redis in options.Registrations.Where(r => r.Name.StartsWith("StackExchange.Redis", StringComparison.Ordinal)))
            {
                redis.FailureStatus = Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded;
            }
        });
        builder.AddBlobServiceClient(ResourceNames.Blobs);

        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section)
            .Validate(o => o.MaxJsonBodyBytes > 0 && o.StatementTimeoutMilliseconds > 0, $"{ApiOptions.Section}: MaxJsonBodyBytes and StatementTimeoutMilliseconds must be positive.")
            .ValidateOnStart();
        // Every body is capped by the server before it is read; uploads raise their own cap per request.
        builder.Services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<ApiOptions>>((kestrel, api) => kestrel.Limits.MaxRequestBodySize = api.Value.MaxJsonBodyBytes);
        builder.Services.ConfigureHttpJsonOptions(options => ApiJson.Configure(options.SerializerOptions));
        builder.Services.AddApiProblemDetails();
        builder.Services.AddApiDocument();
        builder.Services.AddCors(builder.Configuration);
        builder.Services.AddTrustedProxies(builder.Configuration);

        builder.Services.AddSingleton<IdempotencyMetrics>();
        builder.AddAuth();
        builder.AddVideoWriter();
        builder.AddVideos();
        builder.AddUploads();
        builder.AddSync();
        builder.AddRealtime();
    }
}

/// <summary>The seed's JSON: snake_case resource fields (a few seed names such as <c>totalPages</c> are set per property).</summary>
public static class ApiJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
    }
}
