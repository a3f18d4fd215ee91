using Microsoft.AspNetCore.SignalR;

namespace Phyght.Api.Realtime;

/// <summary>Every hub call takes a token from its connection's bucket (<see cref="RealtimeOptions.CallsPerSecond"/>);
/// a connection that calls faster gets a <see cref="HubException"/> and no work is done for it.</summary>
public sealed class HubCallLimiter(Subscribers subscribers, RealtimeMetrics metrics) : IHubFilter
{
    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (subscribers.Find(invocation.Context.ConnectionId) is { } subscriber && !subscriber.TryCall())
        {
            metrics.CallsRefused.Add(1);
            throw new HubException("Too many calls on this connection; nothing was changed. Call again in a second.");
        }
        return next(invocation);
    }
}
