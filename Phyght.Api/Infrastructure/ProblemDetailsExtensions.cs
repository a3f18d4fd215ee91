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
        return services;
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
