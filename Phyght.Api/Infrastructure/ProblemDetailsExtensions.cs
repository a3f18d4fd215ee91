using Microsoft.AspNetCore.Diagnostics;

namespace Phyght.Api.Infrastructure;

public static class ProblemDetailsExtensions
{
    /// <summary>RFC 9457 problem details everywhere, with the seed's <c>error</c> member (the same text as <c>detail</c>).</summary>
    public static IServiceCollection AddApiProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Detail ??= problem.Title;
            problem.Extensions["error"] = problem.Detail;
            problem.Extensions.Remove("traceId");
            if (System.Diagnostics.Activity.Current?.TraceId.ToString() is { } traceId)
            {
                problem.Extensions["trace_id"] = traceId;
            }
        });
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<OverloadExceptionHandler>();
        return services;
    }

    /// <summary>A statement that ran past the request's timeout, a database that did not answer in time or is restarting:
    /// the server is busy, not the client wrong, so 503 with <c>Retry-After</c>; and a lifecycle change the video's state
    /// no longer allows (a race the caller lost): 409. Never a 500 for either.</summary>
    private sealed class OverloadExceptionHandler(IProblemDetailsService problems, ILogger<OverloadExceptionHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
        {
            var (status, title, detail) = ServerFailures.Classify(exception);
            if (status == 0)
            {
                return false;
            }
            logger.LogWarning(exception, "{Method} {Path} answered {Status}: {Detail}", context.Request.Method, context.Request.Path, status, detail);
            context.Response.StatusCode = status;
            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                context.Response.Headers.RetryAfter = "1";
            }
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                Exception = exception,
                ProblemDetails = { Status = status, Title = title, Detail = detail },
            });
        }
    }

    /// <summary>Malformed JSON, a wrong content type or an over-long body: the client's fault, so its 4xx, never a 500.</summary>
    private sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
        {
            if (exception is not BadHttpRequestException bad)
            {
                return false;
            }
            context.Response.StatusCode = bad.StatusCode;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                Exception = exception,
                ProblemDetails =
                {
                    Status = bad.StatusCode,
                    Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request too large" : "Invalid request",
                    Detail = bad.InnerException is System.Text.Json.JsonException
                        ? "The request body is not valid JSON."
                        : bad.Message,
                },
            });
        }
    }
}
