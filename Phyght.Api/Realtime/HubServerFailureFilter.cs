using Microsoft.AspNetCore.SignalR;
using Phyght.Api.Infrastructure;

namespace Phyght.Api.Realtime;

/// <summary>A hub call that fails on the server's state (the database restarting) tells the client so, as HTTP's 503
/// does, rather than SignalR's bare "unexpected error": the call changed nothing and may be made again.</summary>
public sealed class HubServerFailureFilter(ILogger<HubServerFailureFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocation);
        }
        catch (Exception ex) when (ex is not HubException && ServerFailures.Classify(ex) is { Status: > 0 } failure)
        {
            logger.LogWarning(ex, "Hub call {Method} on connection {ConnectionId} refused: {Detail}",
                invocation.HubMethodName, invocation.Context.ConnectionId, failure.Detail);
            throw new HubException(failure.Status == StatusCodes.Status503ServiceUnavailable
                ? "The server is unavailable for a moment; nothing was changed. Call again shortly."
                : failure.Detail);
        }
    }
}
