using System.Diagnostics;
using Microsoft.OpenApi;
using Phyght.Api.Auth;

namespace Phyght.Api.Sync;

public static class SyncEndpoints
{
    public static void AddSync(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SyncOptions>().BindConfiguration(SyncOptions.Section)
            .Validate(o => o.MaxLamportLead > 0 && o.DefaultPullLimit > 0 && o.MaxPullLimit >= o.DefaultPullLimit,
                $"{SyncOptions.Section}: MaxLamportLead and DefaultPullLimit must be positive, MaxPullLimit at least DefaultPullLimit.")
            .ValidateOnStart();
        builder.Services.AddScoped<SyncService>();
        // A group's transaction holds at most four full batches' ops.
        builder.Services.AddSingleton(new GroupCommit<Guid, QueuedBatch, SyncOutcome>(maxWeight: 4 * SyncRequestReader.MaxOps));
        builder.Services.AddSingleton<SyncResponses>();
        builder.Services.AddSingleton<SyncMetrics>();
    }

    public static IEndpointRouteBuilder MapSyncEndpoints(this IEndpointRouteBuilder routes)
    {
        var sync = routes.MapGroup("/sync").WithTags("Sync");
        sync.MapPost("", PostAsync).WithName("postSync").WithOptionalToken()
            .WithSummary("Sync a video's operations")
            .WithDescription("Applies a batch of operations atomically (staff only; 401 anonymous, 403 role user) and answers the merged "
                + "video with the operations the client lacks. Without operations, any reader pulls. 409: a dot reused with "
                + "another body; 422: a gap in an actor's seqs. Nothing of a refused batch is applied.")
            .AcceptsJsonBody(SyncRequestReader.BodySchema)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        sync.MapGet("", GetAsync).WithName("getSync")
            .WithOptionalToken()
            .WithSummary("Read a video's operations")
            .WithDescription("The operations received after since, oldest first, at most limit; chain cursor as since to see every operation once.")
            .DescribesParameters(() => Parameters(new SyncOptions()))
            .ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    /// <summary><c>GET /sync</c>'s query as <see cref="SyncService.ChangesAsync"/> reads it.</summary>
    private static IEnumerable<OpenApiParameter> Parameters(SyncOptions options) =>
    [
        JsonBodySchema.Query("video_id", JsonBodySchema.Uuid(), "The video.", required: true),
        JsonBodySchema.Query("since", new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 64 },
            "An ISO-8601 instant, or the cursor of an earlier answer; without it, from the first operation."),
        JsonBodySchema.Query("limit", JsonBodySchema.Integer(1, options.MaxPullLimit, options.DefaultPullLimit), "The most operations to return."),
    ];

    private static async Task<Results<Ok<SyncResponse>, ValidationProblem, ProblemHttpResult>> PostAsync(
        HttpRequest request, SyncService sync, Caller caller, SyncMetrics metrics, ILogger<SyncService> logger, CancellationToken ct)
    {
        if (await JsonBody.ReadAsync(request, ct) is not { } body)
        {
            return JsonBody.Invalid();
        }
        var started = Stopwatch.GetTimestamp();
        // The role first: a caller who may only pull is refused before a single op is parsed.
        var staff = await caller.IsStaffAsync(ct);
        var outcome = SyncRequestReader.Read(body, mayWrite: staff) switch
        {
            SyncRead.Ok ok => await sync.SyncAsync(ok.Batch, caller.UserId, staff, ct),
            SyncRead.Invalid invalid => new SyncOutcome.Invalid(invalid.Errors),
            _ => null,
        };
        metrics.Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        if (outcome is null)
        {
            metrics.Rejected.Add(1, new KeyValuePair<string, object?>("reason", "forbidden"));
            return caller.UserId is null
                ? Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized", "Sign in to send operations.")
                : Problems.Status(StatusCodes.Status403Forbidden, "Forbidden", "Only admins and moderators may send operations.");
        }
        if (outcome is SyncOutcome.Done done)
        {
            metrics.OpsApplied.Add(done.Applied);
            metrics.Duplicates.Add(done.Duplicates);
            metrics.Conflicts.Add(done.Conflicts);
            if (done.Applied > 0)
            {
                logger.LogInformation("Sync applied {Applied} ops ({Duplicates} duplicates, {Conflicts} conflicts) to video {VideoId} for user {UserId}",
                    done.Applied, done.Duplicates, done.Conflicts, done.Response.VideoId, caller.UserId);
            }
        }
        else if (outcome is not SyncOutcome.Done)
        {
            metrics.Rejected.Add(1, new KeyValuePair<string, object?>("reason", outcome.GetType().Name));
        }
        return ToResult(outcome);
    }

    private static async Task<Results<Ok<SyncResponse>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string? video_id, string? since, string? limit, SyncService sync, Caller caller, CancellationToken ct) =>
        ToResult(await sync.ChangesAsync(video_id, since, limit, await caller.IsStaffAsync(ct), ct));

    private static Results<Ok<SyncResponse>, ValidationProblem, ProblemHttpResult> ToResult(SyncOutcome outcome) => outcome switch
    {
        SyncOutcome.Done done => TypedResults.Ok(done.Response),
        SyncOutcome.Invalid invalid => Problems.Validation(invalid.Errors),
        SyncOutcome.DotReused reused => Problems.Status(StatusCodes.Status409Conflict, "Conflict",
            $"Operation {reused.Index} reuses dot {reused.Dot} with a different body; nothing was applied.",
            new Dictionary<string, object?> { ["index"] = reused.Index, ["actor"] = reused.Dot.Actor, ["seq"] = reused.Dot.Seq }),
        SyncOutcome.Gap gap => Problems.Status(StatusCodes.Status422UnprocessableEntity, "Sync gap",
            $"Ops {gap.MissingFrom}–{gap.MissingTo} of actor {gap.Actor} are missing; send them first. Nothing was applied.",
            new Dictionary<string, object?> { ["actor"] = gap.Actor, ["missing_from"] = gap.MissingFrom, ["missing_to"] = gap.MissingTo }),
        _ => Problems.NotFound("The video"),
    };
}
