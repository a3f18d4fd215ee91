using Phyght.Api.Auth;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;

namespace Phyght.Api.Infrastructure;

/// <summary>
/// <c>Idempotency-Key</c> (api.md "Retries"): the same key from the same user with the same body within
/// <see cref="Retention"/> replays the first answer (<c>Idempotent-Replayed: true</c>) and changes nothing; another body
/// with the key → 422; while the first is in flight → 409. A first attempt that failed (5xx, or the process died: in
/// flight longer than <see cref="Abandoned"/>) leaves the key free for the retry.
/// </summary>
public sealed class Idempotency(PhyghtDbContext db, TimeProvider time, IdempotencyMetrics metrics, ILogger<Idempotency> logger) : IEndpointFilter
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public static readonly TimeSpan Retention = IdempotencyRecord.Retention;
    public static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(1);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!http.Request.Headers.TryGetValue(Header, out var values))
        {
            return await next(context);
        }
        var key = values.ToString();
        if (values.Count != 1 || key.Length is < 1 or > 255 || key.Any(c => c is < ' ' or > '~'))
        {
            return Problems.Validation(Header, "One value of 1–255 printable ASCII characters.");
        }
        if (http.User.UserId() is not { } user)
        {
            return await next(context);
        }

        var ct = http.RequestAborted;
        var hash = await HashAsync(http.Request, ct);
        var now = time.GetUtcNow();
        await db.IdempotencyKeys
            // Only this key: the worker's housekeeping removes every other expired one.
            .Where(r => r.UserId == user && r.Key == key && (r.CreatedAt < now - Retention || (r.StatusCode == null && r.CreatedAt < now - Abandoned)))
            .ExecuteDeleteAsync(ct);
        if (!await db.TryBeginIdempotentAsync(user, key, hash, now, ct))
        {
            return await AnswerRepeatAsync(http, user, key, hash, ct);
        }
        metrics.Outcome("first");

        object? result;
        try
        {
            result = await next(context);
        }
        catch
        {
            await ForgetAsync(user, key);
            throw;
        }
        if (result is not IResult answer)
        {
            return result;
        }
        // The answer is run into a buffer, kept, then sent: a retry gets exactly these bytes.
        var body = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await answer.ExecuteAsync(http);
        }
        finally
        {
            http.Response.Body = body;
        }
        var status = http.Response.StatusCode;
        var bytes = buffer.ToArray();
        if (status >= 500)
        {
            await ForgetAsync(user, key);
        }
        else
        {
            await KeepAsync(user, key, status, http.Response.ContentType, http.Response.Headers.Location.ToString(), bytes);
        }
        await body.WriteAsync(bytes, CancellationToken.None);
        return Results.Empty;
    }

    private async Task<object?> AnswerRepeatAsync(HttpContext http, Guid user, string key, string hash, CancellationToken ct)
    {
        var first = await db.IdempotencyKeys.AsNoTracking().SingleOrDefaultAsync(r => r.UserId == user && r.Key == key, ct);
        if (first is null)
        {
            metrics.Outcome("in_flight");
            return Problems.Conflict("A request with this Idempotency-Key is being processed; retry shortly.");
        }
        if (first.StatusCode is not { } status)
        {
            metrics.Outcome("in_flight");
            return Problems.Conflict("A request with this Idempotency-Key is being processed; retry shortly.");
        }
        if (first.RequestHash != hash)
        {
            metrics.Outcome("mismatch");
            return Problems.Status(StatusCodes.Status422UnprocessableEntity, "Unprocessable entity",
                "This Idempotency-Key was used with a different request; use a new key for a new request.");
        }
        metrics.Outcome("replayed");
        logger.LogInformation("Replayed the answer to Idempotency-Key {Key} of user {UserId} ({Status})", key, user, status);
        http.Response.Headers[ReplayedHeader] = "true";
        if (!string.IsNullOrEmpty(first.Location))
        {
            http.Response.Headers.Location = first.Location;
        }
        http.Response.StatusCode = status;
        http.Response.ContentType = first.ContentType;
        await http.Response.Body.WriteAsync(first.ResponseBody ?? [], ct);
        return Results.Empty;
    }

    /// <summary>After the write committed: a failure to keep the answer is logged, never turned into an error (the
    /// key then counts as abandoned after <see cref="Abandoned"/>).</summary>
    private async Task KeepAsync(Guid user, string key, int status, string? contentType, string? location, byte[] body)
    {
        try
        {
            await db.IdempotencyKeys.Where(r => r.UserId == user && r.Key == key).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.StatusCode, status)
                .SetProperty(r => r.ContentType, contentType)
                .SetProperty(r => r.Location, string.IsNullOrEmpty(location) ? null : location)
                .SetProperty(r => r.ResponseBody, body), CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not keep the answer to Idempotency-Key {Key} of user {UserId}", key, user);
        }
    }

    private async Task ForgetAsync(Guid user, string key)
    {
        try
        {
            await db.IdempotencyKeys.Where(r => r.UserId == user && r.Key == key).ExecuteDeleteAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not free Idempotency-Key {Key} of user {UserId} after a failed attempt", key, user);
        }
    }

    /// <summary>The request's fingerprint: method, path and body (at most the server's body cap, already enforced).</summary>
    private static async Task<string> HashAsync(HttpRequest request, CancellationToken ct)
    {
        request.EnableBuffering();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{request.Method} {request.Path}\n"));
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            sha.AppendData(chunk, 0, read);
        }
        request.Body.Position = 0;
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}

public sealed class IdempotencyMetrics(IMeterFactory meters)
{
    private readonly Counter<long> _requests = meters.Create(PhyghtTelemetry.MeterName)
        .CreateCounter<long>("phyght.idempotency.requests", "{request}", "Writes with an Idempotency-Key, by outcome (first, replayed, mismatch, in_flight).");

    public void Outcome(string outcome) => _requests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}

public static class IdempotencyExtensions
{
    /// <summary>Accepts <c>Idempotency-Key</c> on this write (see <see cref="Idempotency"/>).</summary>
    public static RouteHandlerBuilder WithIdempotency(this RouteHandlerBuilder endpoint) =>
        endpoint.AddEndpointFilter<Idempotency>()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new Microsoft.OpenApi.OpenApiParameter
                {
                    Name = Idempotency.Header,
                    In = Microsoft.OpenApi.ParameterLocation.Header,
                    Description = "Makes a retry safe: the same key with the same body within 24 h replays the first answer (Idempotent-Replayed: true); "
                        + "another body with the key → 422, while the first is in flight → 409.",
                    Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String, MinLength = 1, MaxLength = 255 },
                });
                foreach (var (_, response) in (operation.Responses ?? []).Where(r => r.Key.StartsWith('2')))
                {
                    if (response is Microsoft.OpenApi.OpenApiResponse concrete)
                    {
                        concrete.Headers ??= new Dictionary<string, Microsoft.OpenApi.IOpenApiHeader>();
                        concrete.Headers[Idempotency.ReplayedHeader] = new Microsoft.OpenApi.OpenApiHeader
                        {
                            Description = "true when this is the replayed answer to an earlier request with the same Idempotency-Key.",
                            Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String, Enum = ["true"] },
                        };
                    }
                }
                return Task.CompletedTask;
            });
}
