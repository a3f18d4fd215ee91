using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Phyght.Api.Auth;

namespace Phyght.Api.Videos;

public static class VideoEndpoints
{
    public static void AddVideos(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section)
            .Validate(o => o.MaxOffset >= 0, $"{CatalogOptions.Section}:MaxOffset cannot be negative.")
            .ValidateOnStart();
        builder.Services.AddScoped<VideoQueries>();
        builder.Services.AddScoped<VideoCommands>();
        builder.Services.AddSingleton<VideoUrls>();
        builder.Services.AddSingleton<VideoResponses>();
        builder.Services.AddHybridCache();
        builder.Services.AddStackExchangeRedisCache(_ => { });
        builder.Services.AddOptions<Microsoft.Extensions.Caching.StackExchangeRedis.RedisCacheOptions>()
            .Configure<StackExchange.Redis.IConnectionMultiplexer>((options, redis) =>
                options.ConnectionMultiplexerFactory = () => Task.FromResult(redis));
        builder.Services.AddOptions<CatalogCacheOptions>().BindConfiguration(CatalogCacheOptions.Section)
            .Validate(o => o.Seconds >= 0, $"{CatalogCacheOptions.Section}:Seconds cannot be negative.")
            .ValidateOnStart();
        builder.Services.AddSingleton<CatalogCache>();
        builder.Services.AddSingleton<Phyght.Core.Realtime.IChangeListener>(sp => sp.GetRequiredService<CatalogCache>());
    }

    public static IEndpointRouteBuilder MapVideoEndpoints(this IEndpointRouteBuilder routes)
    {
        var videos = routes.MapGroup("").WithTags("Videos");
        videos.MapGet("/videos", ListAsync).WithName("listVideos").WithOptionalToken()
            .WithSummary("List videos")
            .WithDescription("Newest first, never soft-deleted ones. Anonymous callers and role user see only ready videos; staff see all.")
            .DescribesParameters(() => VideoListQuery.Parameters(new CatalogOptions().MaxOffset));
        videos.MapPost("/videos", CreateAsync).WithName("createVideo").RequireAuthorization(Policies.CanWrite)
            .WithSummary("Create a video")
            .WithDescription("Admins and moderators. The metadata only, status uploading; the file follows with an upload.")
            .AcceptsJsonBody(() => VideoFields.BodySchema(titleRequired: true)).WithIdempotency();
        videos.MapGet("/videos-update/{id:guid}", GetAsync).WithName("getVideo").WithOptionalToken()
            .WithSummary("Get a video")
            .WithDescription("With links to its file and thumbnail. 404 when it is missing, soft-deleted, or not readable by the caller.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        videos.MapPut("/videos-update/{id:guid}", UpdateAsync).WithName("updateVideo").RequireAuthorization(Policies.CanWrite)
            .WithSummary("Update a video")
            .WithDescription("Admins and moderators. Each field present becomes an operation (crdt.md); null clears description or category. "
                + "With vector_clock, a field changed on the server beyond that clock is refused with 409 and conflict_type, "
                + "server_vector_clock and server_version; without it the last writer wins.")
            .AcceptsJsonBody(() => VideoFields.BodySchema(titleRequired: false)).WithIdempotency()
            .ProducesProblem(StatusCodes.Status404NotFound);
        videos.MapDelete("/videos-delete/{id:guid}", DeleteAsync).WithName("deleteVideo").RequireAuthorization(Policies.CanDelete)
            .WithSummary("Delete a video")
            .WithDescription("Admins. A soft delete sets deleted_at; hard=true removes the row, its operations, jobs and files.")
            .DescribesParameters(() => [JsonBodySchema.Query("hard", JsonBodySchema.Flag(), "true for a hard delete.")])
            .ProducesProblem(StatusCodes.Status404NotFound);
        videos.MapPost("/videos/{id:guid}/views", CountViewAsync).WithName("countVideoView")
            .WithSummary("Count a view")
            .ProducesProblem(StatusCodes.Status404NotFound);
        videos.MapGet("/videos/{id:guid}/media/{kind}", MediaAsync).WithName("getVideoMedia")
            .WithSummary("Fetch a video's file or thumbnail")
            .WithDescription("Redirects to the video's file or thumbnail while anyone may read the video (the links in video_url and thumbnail_url).")
            .DescribesParameters(() => [JsonBodySchema.Path("kind", JsonBodySchema.OneOf([VideoUrls.VideoKind, VideoUrls.ThumbnailKind]), "Which file.")])
            .Produces(StatusCodes.Status302Found)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    private static async Task<Results<Ok<VideoListResponse>, ValidationProblem>> ListAsync(
        string? page, string? limit, string? category, string? search, string? status, string? featured, string? cursor,
        VideoQueries catalog, VideoResponses responses, CatalogCache cache, Caller caller, IOptions<CatalogOptions> options, CancellationToken ct)
    {
        var query = VideoListQuery.Parse(page, limit, category, search, status, featured, cursor, options.Value.MaxOffset, out var errors);
        if (query is null)
        {
            return Problems.Validation(errors);
        }
        var staff = await caller.IsStaffAsync(ct);
        return TypedResults.Ok(await cache.ListAsync(query, staff, async token =>
        {
            var (videos, total, estimate) = await catalog.ListAsync(query, staff, token);
            var totalPages = (total + query.Limit - 1) / query.Limit;
            return new VideoListResponse(
                [.. videos.Select(responses.From)],
                new PaginationResponse(query.Page, query.Limit, total, totalPages,
                    videos.Count == query.Limit ? new ListCursor(videos[^1].CreatedAt, videos[^1].Id).ToString() : null,
                    estimate ? true : null));
        }, ct));
    }

    private static async Task<Results<Created<VideoResponse>, ValidationProblem>> CreateAsync(
        HttpRequest request, VideoCommands catalog, VideoResponses responses, Caller caller, CancellationToken ct)
    {
        if (await JsonBody.ReadAsync(request, ct) is not { } body)
        {
            return JsonBody.Invalid();
        }
        var fields = VideoFields.Parse(body, titleRequired: true, out var errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var video = await catalog.CreateAsync(fields, caller.UserId!.Value, ct);
        return TypedResults.Created($"/videos-update/{video.Id}", responses.From(video));
    }

    private static async Task<Results<Ok<VideoResponse>, ProblemHttpResult>> GetAsync(
        Guid id, VideoQueries catalog, VideoResponses responses, CatalogCache cache, Caller caller, CancellationToken ct)
    {
        var staff = await caller.IsStaffAsync(ct);
        var video = await ReadableVideoAsync(id, staff, catalog, responses, cache, ct);
        return video is not null ? TypedResults.Ok(video) : Problems.NotFound("The video");
    }

    /// <summary>One video the audience may read, as responses show it, through the cache (absence is cached too).</summary>
    private static ValueTask<VideoResponse?> ReadableVideoAsync(
        Guid id, bool staff, VideoQueries catalog, VideoResponses responses, CatalogCache cache, CancellationToken ct) =>
        cache.VideoAsync(id, staff, async token =>
            await catalog.FindReadableAsync(id, staff, token) is { } found ? responses.From(found) : null, ct);

    private static async Task<Results<RedirectHttpResult, ProblemHttpResult>> MediaAsync(
        Guid id, string kind, VideoQueries catalog, VideoResponses responses, VideoUrls urls, CatalogCache cache, CancellationToken ct)
    {
        if (kind is not (VideoUrls.VideoKind or VideoUrls.ThumbnailKind))
        {
            return Problems.NotFound("The media");
        }
        // Checked at every fetch, as a reader without a token: a deleted or unpublished video's links stop at once.
        var video = await ReadableVideoAsync(id, staff: false, catalog, responses, cache, ct);
        var path = kind == VideoUrls.VideoKind ? video?.FilePath : video?.ThumbnailPath;
        return urls.SignedUrl(path, VideoUrls.RedirectLifetime) is { } url
            ? TypedResults.Redirect(url)
            : Problems.NotFound($"The video's {kind}");
    }

    private static async Task<Results<Ok<VideoResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid id, HttpRequest request, VideoCommands catalog, VideoResponses responses, Caller caller, CancellationToken ct)
    {
        if (await JsonBody.ReadAsync(request, ct) is not { } body)
        {
            return JsonBody.Invalid();
        }
        var fields = VideoFields.Parse(body, titleRequired: false, out var errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        return await catalog.UpdateAsync(id, fields, caller.UserId!.Value, ct) switch
        {
            UpdateOutcome.Updated updated => TypedResults.Ok(responses.From(updated.Video)),
            UpdateOutcome.Stale stale => Problems.Status(StatusCodes.Status409Conflict, "Conflict",
                "Conflict detected: Server has newer changes. Please refresh and try again.",
                new Dictionary<string, object?>
                {
                    ["conflict_type"] = "vector_clock_mismatch",
                    ["server_vector_clock"] = stale.ServerClock.Entries,
                    ["server_version"] = stale.ServerVersion,
                }),
            _ => Problems.NotFound("The video"),
        };
    }

    private static async Task<Results<Ok<DeleteResponse>, ValidationProblem, ProblemHttpResult>> DeleteAsync(
        Guid id, [FromQuery] string? hard, VideoCommands catalog, Caller caller, CancellationToken ct)
    {
        var isHard = false;
        if (hard is not null && !bool.TryParse(hard, out isHard))
        {
            return Problems.Validation("hard", "true or false.");
        }
        var userId = caller.UserId!.Value;
        var deleted = isHard ? await catalog.HardDeleteAsync(id, userId, ct) : await catalog.SoftDeleteAsync(id, userId, ct);
        return deleted ? TypedResults.Ok(new DeleteResponse(id, isHard ? "hard" : "soft")) : Problems.NotFound("The video");
    }

    private static async Task<Results<Ok<ViewCountResponse>, ProblemHttpResult>> CountViewAsync(
        Guid id, VideoCommands catalog, CancellationToken ct) =>
        await catalog.CountViewAsync(id, ct) is { } count
            ? TypedResults.Ok(new ViewCountResponse(id, count))
            : Problems.NotFound("The video");
}

public sealed record ViewCountResponse(Guid Id, long ViewCount);
