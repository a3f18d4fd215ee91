using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Phyght.Api.Auth;
using Phyght.Api.Videos;
using Microsoft.Extensions.Options;
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
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section)
            .Validate(o => o.MaxVideoBytes > 0 && o.MaxThumbnailBytes > 0 && o.MediaUrlMinutes > 0 && o.MaxDirectUploadBytes > 0,
                $"{StorageOptions.Section}: MaxVideoBytes, MaxThumbnailBytes, MaxDirectUploadBytes and MediaUrlMinutes must be positive.")
            .ValidateOnStart();
        builder.Services.AddScoped<UploadService>();
        builder.Services.AddScoped<DirectUploadService>();
        builder.Services.AddSingleton<UploadMetrics>();
    }

    public static IEndpointRouteBuilder MapUploadEndpoints(this IEndpointRouteBuilder routes)
    {
        var uploads = routes.MapGroup("/videos-upload").WithTags("Uploads").RequireAuthorization(Policies.CanWrite);
        uploads.MapPost("", UploadAsync).WithName("uploadVideo").DisableAntiforgery()
            .WithMetadata(new Microsoft.AspNetCore.Mvc.DisableRequestSizeLimitAttribute())
            .WithSummary("Upload a video's file")
            .WithDescription("Admins and moderators. The files stream to storage; their type is decided by their first bytes "
                + "(video: MP4, MOV, WebM, Ogg, AVI; thumbnail: JPEG, PNG, WebP). Answers the video, status processing.")
            .AcceptsBody("multipart/form-data", UploadBodySchema)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        uploads.MapPut("", CompleteAsync).WithName("completeExternalProcessing")
            .WithSummary("Mark a video processed externally")
            .WithDescription("Admins and moderators: an external processor marks an uploaded video ready, with its duration and processingResults (at most 8 KB of JSON).")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return routes;
    }

    /// <summary>The form <see cref="UploadService"/> reads; videoId must come before the files.</summary>
    private static Microsoft.OpenApi.OpenApiSchema UploadBodySchema() => JsonBodySchema.Object(["videoId", "video"],
        ("videoId", JsonBodySchema.Uuid()),
        ("video", JsonBodySchema.Binary()),
        ("thumbnail", JsonBodySchema.Binary()));

    private static async Task<Results<Ok<VideoResponse>, ValidationProblem, ProblemHttpResult>> UploadAsync(
        HttpRequest request, UploadService uploads, VideoResponses responses, Caller caller, IOptions<StorageOptions> storage, CancellationToken ct)
    {
        // Each file is capped while it streams; the body as a whole may carry both files and a little form data.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = storage.Value.MaxVideoBytes + storage.Value.MaxThumbnailBytes + 64 * 1024;
        }
        return await uploads.UploadAsync(request, caller.UserId!.Value, ct) switch
        {
            UploadOutcome.Stored stored => TypedResults.Ok(responses.From(stored.Video)),
            UploadOutcome.Invalid invalid => Problems.Validation(invalid.Field, invalid.Message),
            UploadOutcome.TooLarge tooLarge => Problems.Status(StatusCodes.Status413PayloadTooLarge, "Too large",
                $"The {tooLarge.Field} file is larger than {tooLarge.Limit} bytes; nothing was stored."),
            UploadOutcome.WrongType wrong => Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"The {wrong.Field} file is not {wrong.Expected} (decided by its content); nothing was stored."),
            UploadOutcome.Busy => Problems.Conflict("Another upload for this video started at the same moment; retry."),
            _ => Problems.NotFound("The video"),
        };
    }

    private abstract record CompleteOutcome
    {
        public sealed record Ready(Video Video) : CompleteOutcome;
        public sealed record NotFound : CompleteOutcome;
        public sealed record NoFile : CompleteOutcome;
    }

    private static async Task<Results<Ok<VideoResponse>, ValidationProblem, ProblemHttpResult>> CompleteAsync(
        ProcessingCompleteRequest request, VideoWriter writer, VideoResponses responses, Caller caller, ILogger<UploadService> logger, CancellationToken ct)
    {
        if (request.VideoId is not { } videoId)
        {
            return Problems.Validation("videoId", "Required.");
        }
        if (request.Duration is < 0)
        {
            return Problems.Validation("duration", "Seconds, at least 0.");
        }
        var results = request.ProcessingResults is { ValueKind: not JsonValueKind.Null } element ? element.GetRawText() : null;
        if (results is { Length: > MaxProcessingResultsBytes })
        {
            return Problems.Validation("processingResults", $"At most {MaxProcessingResultsBytes} bytes of JSON.");
        }
        if (results is not null && (!TextRules.IsValidUnicode(request.ProcessingResults!.Value) || TextRules.HasControlCharacters(request.ProcessingResults.Value)))
        {
            return Problems.Validation("processingResults", $"Valid Unicode only. {TextRules.ControlCharacterMessage}");
        }
        var outcome = await writer.ChangeAsync<CompleteOutcome>(videoId, new CompleteOutcome.NotFound(), async (edit, token) =>
        {
            if (edit.Video.FilePath is null)
            {
                return new CompleteOutcome.NoFile();
            }
            var replaced = edit.Video.MarkReady(request.Duration, thumbnailPath: null, results, caller.UserId, edit.Now);
            edit.DeleteBlobsAfterCommit([replaced]);
            await edit.CompleteOpenJobsAsync(token);
            return new CompleteOutcome.Ready(edit.Video);
        }, ct);
        switch (outcome)
        {
            case CompleteOutcome.Ready ready:
                logger.LogInformation("User {UserId} marked video {VideoId} ready (external processor)", caller.UserId, videoId);
                return TypedResults.Ok(responses.From(ready.Video));
            case CompleteOutcome.NoFile:
                return Problems.Conflict("The video has no upload yet.");
            default:
                return Problems.NotFound("The video");
        }
    }

    /// <summary>api.md: <c>processingResults</c> is at most 8 KB of JSON.</summary>
    public const int MaxProcessingResultsBytes = 8 * 1024;
}
