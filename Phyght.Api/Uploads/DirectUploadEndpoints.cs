using Microsoft.Extensions.Options;
using Phyght.Api.Auth;
using Phyght.Api.Videos;
using Phyght.Core.Videos;

namespace Phyght.Api.Uploads;

public sealed record UploadSessionResponse(
    Guid SessionId, Guid VideoId, Uri? UploadUrl, long Size, int BlockSize, DateTimeOffset ExpiresAt, DateTimeOffset? CompletedAt,
    IReadOnlyList<UploadedBlockResponse>? Blocks);

public sealed record UploadedBlockResponse(string Id, long Size, bool Committed);

/// <summary>Direct, resumable uploads (api.md "Direct uploads"): <c>/videos-upload/sessions</c>.</summary>
public static class DirectUploadEndpoints
{
    public static IEndpointRouteBuilder MapDirectUploadEndpoints(this IEndpointRouteBuilder routes)
    {
        var sessions = routes.MapGroup("/videos-upload/sessions").WithTags("Uploads").RequireAuthorization(Policies.CanWrite);
        sessions.MapPost("", OpenAsync).WithName("openUploadSession")
            .WithSummary("Open a direct upload")
            .WithDescription("Admins and moderators. A SAS URL for one block blob, create and write only, expiring at expires_at; "
                + "upload with the Azure Storage SDK's BlockBlobClient, then complete the session.")
            .AcceptsJsonBody(() => UploadSessionRequest.BodySchema(new StorageOptions().MaxDirectUploadBytes)).WithIdempotency()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        sessions.MapGet("/{id:guid}", GetAsync).WithName("getUploadSession")
            .WithSummary("Get a direct upload")
            .WithDescription("The session, with the blocks storage holds, so a client resumes by staging only the missing ones.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        sessions.MapPost("/{id:guid}/renew", RenewAsync).WithName("renewUploadSession")
            .WithSummary("Renew a direct upload's URL")
            .WithDescription("A fresh upload URL and expiry for an open session.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        sessions.MapPost("/{id:guid}/complete", CompleteAsync).WithName("completeUploadSession")
            .WithSummary("Complete a direct upload")
            .WithDescription("Checks the committed blob (size, type: 415 and the blob deleted otherwise) and queues processing; "
                + "completing again answers the same video. 409 while the blob is not fully committed.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return routes;
    }

    private static async Task<Results<Created<UploadSessionResponse>, ValidationProblem, ProblemHttpResult>> OpenAsync(
        HttpRequest request, DirectUploadService uploads, Caller caller, CancellationToken ct)
    {
        if (await JsonBody.ReadAsync(request, ct) is not { } body)
        {
            return JsonBody.Invalid();
        }
        if (UploadSessionRequest.Parse(body, out var errors) is not { } open)
        {
            return Problems.Validation(errors);
        }
        return await uploads.OpenAsync(open.VideoId, open.Size, open.FileName, caller.UserId!.Value, ct) switch
        {
            DirectUploadOutcome.Opened opened => TypedResults.Created($"/videos-upload/sessions/{opened.Session.Id}", Response(opened.Session, opened.UploadUrl, null)),
            DirectUploadOutcome.TooLarge tooLarge => Problems.Status(StatusCodes.Status413PayloadTooLarge, "Too large",
                $"A direct upload may be at most {tooLarge.Limit} bytes."),
            var other => Refusal(other),
        };
    }

    private static async Task<Results<Ok<UploadSessionResponse>, ProblemHttpResult>> GetAsync(Guid id, DirectUploadService uploads, Caller caller, CancellationToken ct) =>
        await uploads.GetAsync(id, caller.UserId!.Value, ct) switch
        {
            DirectUploadOutcome.Found found => TypedResults.Ok(Response(found.Session, found.UploadUrl,
                [.. found.Blocks.Select(b => new UploadedBlockResponse(b.Id, b.Size, b.Committed))])),
            var other => Refusal(other),
        };

    private static async Task<Results<Ok<UploadSessionResponse>, ProblemHttpResult>> RenewAsync(Guid id, DirectUploadService uploads, Caller caller, CancellationToken ct) =>
        await uploads.RenewAsync(id, caller.UserId!.Value, ct) switch
        {
            DirectUploadOutcome.Opened opened => TypedResults.Ok(Response(opened.Session, opened.UploadUrl, null)),
            var other => Refusal(other),
        };

    private static async Task<Results<Ok<VideoResponse>, ProblemHttpResult>> CompleteAsync(
        Guid id, DirectUploadService uploads, VideoResponses responses, Caller caller, CancellationToken ct) =>
        await uploads.CompleteAsync(id, caller.UserId!.Value, ct) switch
        {
            DirectUploadOutcome.Completed completed => TypedResults.Ok(responses.From(completed.Video)),
            var other => Refusal(other),
        };

    private static UploadSessionResponse Response(UploadSession session, Uri? uploadUrl, IReadOnlyList<UploadedBlockResponse>? blocks) =>
        new(session.Id, session.VideoId, uploadUrl, session.Size, DirectUploadService.BlockSize, session.ExpiresAt, session.CompletedAt, blocks);

    private static ProblemHttpResult Refusal(DirectUploadOutcome outcome) => outcome switch
    {
        DirectUploadOutcome.NotUploaded notUploaded => Problems.Conflict(notUploaded.Detail),
        DirectUploadOutcome.WrongType => Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
            "The file is not MP4, MOV, WebM, Ogg or AVI (decided by its content); its blob was deleted."),
        DirectUploadOutcome.NotFound notFound => Problems.NotFound(notFound.What),
        _ => throw new InvalidOperationException($"Unexpected outcome {outcome}"),
    };
}
