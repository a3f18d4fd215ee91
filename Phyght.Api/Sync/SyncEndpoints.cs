using System.Diagnostics;
using Phyght.Api.Auth;

namespace Phyght.Api.Sync;

public static class SyncEndpoints
{
    public static void AddSync(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<SyncService>();
        builder.Services.AddSingleton<SyncMetrics>();
    }

    public static IEndpointRouteBuilder MapSyncEndpoints(this IEndpointRouteBuilder routes)
    {
        var sync = routes.MapGroup("/sync").WithTags("Sync");
        sync.MapPost("", PostAsync).WithName("Sync").Accepts<SyncRequest>("application/json");
        sync.MapGet("", GetAsync).WithName("SyncChanges");
        return routes;
    }

    private static async Task<Results<Ok<SyncResponse>, ValidationProblem, ProblemHttpResult>> PostAsync(
        HttpRequest request, SyncService sync, Caller caller, SyncMetrics metrics, CancellationToken ct)
    {
        if (await JsonBody.ReadAsync(request, ct) is not { } body)
        {
            return JsonBody.Invalid();
        }
        var started = Stopwatch.GetTimestamp();
        var outcome = await sync.SyncAsync(body, caller.UserId, await caller.IsStaffAsync(ct), ct);
        metrics.Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        return ToResult(outcome, caller);
    }

    private static async Task<Results<Ok<SyncResponse>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string? video_id, string? since, SyncService sync, Caller caller, CancellationToken ct) =>
        ToResult(await sync.ChangesAsync(video_id, since, await caller.IsStaffAsync(ct), ct), caller);

    private static Results<Ok<SyncResponse>, ValidationProblem, ProblemHttpResult> ToResult(SyncOutcome outcome, Caller caller) => outcome switch
    {
        SyncOutcome.Done done => TypedResults.Ok(done.Response),
        SyncOutcome.Invalid invalid => Problems.Validation(invalid.Errors),
        SyncOutcome.Forbidden => caller.UserId is null
            ? Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized", "Sign in to send operations.")
            : Problems.Status(StatusCodes.Status403Forbidden, "Forbidden", "Only admins and moderators may send operations."),
        SyncOutcome.DotReused reused => Problems.Status(StatusCodes.Status409Conflict, "Conflict",
            $"Operation {reused.Index} reuses dot {reused.Dot} with a different body; nothing was applied.",
            new Dictionary<string, object?> { ["index"] = reused.Index, ["actor"] = reused.Dot.Actor, ["seq"] = reused.Dot.Seq }),
        SyncOutcome.Gap gap => Problems.Status(StatusCodes.Status422UnprocessableEntity, "Sync gap",
            $"Ops {gap.MissingFrom}–{gap.MissingTo} of actor {gap.Actor} are missing; send them first. Nothing was applied.",
            new Dictionary<string, object?> { ["actor"] = gap.Actor, ["missing_from"] = gap.MissingFrom, ["missing_to"] = gap.MissingTo }),
        _ => Problems.NotFound("The video"),
    };
}
