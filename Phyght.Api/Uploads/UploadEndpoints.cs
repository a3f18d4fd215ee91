using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Phyght.Api.Auth;
using Phyght.Api.Videos;
using Phyght.Core.Realtime;
using Phyght.Core.Videos;

namespace Phyght.Api.Uploads;

public sealed record ProcessingCompleteRequest(
    [property: JsonPropertyName("videoId")] Guid? VideoId,
    int? Duration,
    [property: JsonPropertyName("processingResults")] JsonElement? ProcessingResults);

public static class UploadEndpoints
{
    public static void AddUploads(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section);
        builder.Services.AddScoped<UploadService>();
        builder.Services.AddSingleton<UploadMetrics>();
    }

    public static IEndpointRouteBuilder MapUploadEndpoints(this IEndpointRouteBuilder routes)
    {
        var uploads = routes.MapGroup("/videos-upload").WithTags("Uploads").RequireAuthorization(Policies.CanWrite);
        uploads.MapPost("", UploadAsync).WithName("UploadVideo").DisableAntiforgery()
            .WithMetadata(new Microsoft.AspNetCore.Mvc.DisableRequestSizeLimitAttribute());
        uploads.MapPut("", CompleteAsync).WithName("CompleteProcessing");
        return routes;
    }

    private static async Task<Results<Ok<VideoResponse>, ValidationProblem, ProblemHttpResult>> UploadAsync(
        HttpRequest request, UploadService uploads, VideoResponses responses, Caller caller, CancellationToken ct)
    {
        // Per-part limits are enforced while streaming; the request as a whole is not capped here.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = null;
        }
        return await uploads.UploadAsync(request, caller.UserId!.Value, ct) switch
        {
            UploadOutcome.Stored stored => TypedResults.Ok(responses.From(stored.Video)),
            UploadOutcome.Invalid invalid => Problems.Validation(invalid.Field, invalid.Message),
            UploadOutcome.TooLarge tooLarge => Problems.Status(StatusCodes.Status413PayloadTooLarge, "Too large",
                $"The {tooLarge.Field} file is larger than {tooLarge.Limit} bytes; nothing was stored."),
            UploadOutcome.WrongType wrong => Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"The {wrong.Field} file is not {wrong.Expected} (decided by its content); nothing was stored."),
            _ => Problems.NotFound("The video"),
        };
    }

    private static async Task<Results<Ok<VideoResponse>, ValidationProblem, ProblemHttpResult>> CompleteAsync(
        ProcessingCompleteRequest request, PhyghtDbContext db, VideoResponses responses, Caller caller, TimeProvider time, ChangePublisher publisher,
        ILogger<UploadService> logger, CancellationToken ct)
    {
        if (request.VideoId is not { } videoId)
        {
            return Problems.Validation("videoId", "Required.");
        }
        if (request.Duration is < 0)
        {
            return Problems.Validation("duration", "Seconds, at least 0.");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var video = await db.LockVideoAsync(videoId, ct);
        if (video is null || video.DeletedAt is not null)
        {
            return Problems.NotFound("The video");
        }
        if (video.FilePath is null)
        {
            return Problems.Conflict("The video has no upload yet.");
        }
        var now = time.GetUtcNow();
        video.Status = VideoStatus.Ready;
        video.Duration = request.Duration ?? video.Duration;
        video.ProcessingResults = request.ProcessingResults is { } results ? results.GetRawText() : video.ProcessingResults;
        video.FailureReason = null;
        video.UpdatedAt = now;
        video.LastModifiedBy = caller.UserId;
        await db.ProcessingJobs.Where(j => j.VideoId == videoId && (j.State == JobState.Queued || j.State == JobState.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobState.Succeeded).SetProperty(j => j.UpdatedAt, now), ct);
        var change = ChangeFeed.Record(db, video, ChangeEventTypes.Update, now);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        await publisher.PublishAsync([change], ct);
        logger.LogInformation("User {UserId} marked video {VideoId} ready (external processor)", caller.UserId, videoId);
        return TypedResults.Ok(responses.From(video));
    }
}
