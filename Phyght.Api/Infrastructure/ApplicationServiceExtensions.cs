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
        builder.Services.AddDbContextPool<PhyghtDbContext>(options =>
        {
            options.UseNpgsql(builder.Configuration.GetConnectionString(ResourceNames.Database), PhyghtDbContext.ConfigureNpgsql);
            PhyghtDbContext.Configure(options);
        });
        // Writes run in explicit transactions under row locks; EF's retrying strategy cannot replay those, so
        // retries stay off and transient failures surface (the worker retries its jobs with Polly).
        builder.EnrichNpgsqlDbContext<PhyghtDbContext>(settings => settings.DisableRetry = true);
        builder.AddRedisClient(ResourceNames.Redis);
        builder.AddBlobServiceClient(ResourceNames.Blobs);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.ConfigureHttpJsonOptions(options => ApiJson.Configure(options.SerializerOptions));
        builder.Services.AddApiProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.AddCors(builder.Configuration);

        builder.AddAuth();
        builder.Services.AddScoped<VideoChangeWriter>();
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
