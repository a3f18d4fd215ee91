using Microsoft.AspNetCore.SignalR;
using Phyght.Api.Infrastructure;

namespace Phyght.Api.Realtime;

/// <summary>Every hub call takes a token from its connection's bucket (<see cref="RealtimeOptions.CallsPerSecond"/>);
/// a connection that calls faster gets a <see cref="HubException"/> and no work is done for it. A call that fails on
/// the server's state (the database restarting) tells the client so, as HTTP's 503 does, rather than SignalR's bare
/// "unexpected error": the call changed nothing and may be made again.</summary>
public sealed class HubCallLimiter(Subscribers subscribers, RealtimeMetrics metrics, ILogger<HubCallLimiter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (subscribers.Find(invocation.Context.ConnectionId) is { } subscriber && !subscriber.TryCall())
        {
            metrics.CallsRefused.Add(1);
            throw new HubException("Too many calls on this connection; nothing was changed. Call again in a second.");
        }
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
