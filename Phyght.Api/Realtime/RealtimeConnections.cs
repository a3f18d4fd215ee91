using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Phyght.Api.Realtime;

/// <summary>
/// SignalR's own lifetime manager for <see cref="RealtimeHub"/>, remembering each connection's
/// <see cref="HubConnectionContext"/>: <see cref="Subscribers"/> writes to it directly, with events serialized once for
/// all their recipients and several queued for one client sent in one write (one frame, one flush).
/// </summary>
public sealed class RealtimeConnections(ILogger<DefaultHubLifetimeManager<RealtimeHub>> logger) : DefaultHubLifetimeManager<RealtimeHub>(logger)
{
    private readonly ConcurrentDictionary<string, HubConnectionContext> _connections = new();

    public override Task OnConnectedAsync(HubConnectionContext connection)
    {
        _connections[connection.ConnectionId] = connection;
        return base.OnConnectedAsync(connection);
    }

    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        _connections.TryRemove(connection.ConnectionId, out _);
        return base.OnDisconnectedAsync(connection);
    }

    /// <summary>The connection, from before its hub's <c>OnConnectedAsync</c> until after its <c>OnDisconnectedAsync</c>.</summary>
    public HubConnectionContext? Find(string connectionId) => _connections.GetValueOrDefault(connectionId);
}
