using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Phyght.Api.Auth;

namespace Phyght.Api.Realtime;

/// <summary>
/// This instance's real-time clients. Each has its own bounded queue and one sender, so a slow client only ever waits
/// on itself. A client that falls <see cref="RealtimeOptions.ClientQueueLimit"/> events behind is sent
/// <c>resync</c> <c>{"after_seq"}</c> (the last seq it was sent) and disconnected; it subscribes again with that seq
/// and replays the rest from the change feed.
/// </summary>
public sealed class Subscribers(
    IHubContext<RealtimeHub> hub,
    IOptions<RealtimeOptions> options,
    IOptions<JsonHubProtocolOptions> json,
    RealtimeMetrics metrics,
    TimeProvider time,
    ILogger<Subscribers> logger)
{
    public const string ResyncMethod = "resync";
    private static readonly TimeSpan ResyncTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Subscriber> _byConnection = new();

    /// <summary>False (and not added) when the user already has <see cref="RealtimeOptions.MaxConnectionsPerUser"/> connections here.</summary>
    public bool TryAdd(HubCallerContext context)
    {
        if (context.User?.UserId() is { } user
            && _byConnection.Values.Count(s => s.Context.User?.UserId() == user) >= options.Value.MaxConnectionsPerUser)
        {
            logger.LogWarning("Real-time connection {ConnectionId} refused: user {UserId} already has {Limit} connections",
                context.ConnectionId, user, options.Value.MaxConnectionsPerUser);
            return false;
        }
        var subscriber = new Subscriber(context, options.Value);
        _byConnection[context.ConnectionId] = subscriber;
        _ = SendQueuedAsync(subscriber);
        return true;
    }

    public Subscriber? Find(string connectionId) => _byConnection.GetValueOrDefault(connectionId);

    public Subscriber Get(HubCallerContext context) =>
        _byConnection.TryGetValue(context.ConnectionId, out var subscriber) ? subscriber : throw new HubException("Not connected.");

    public void Remove(HubCallerContext context)
    {
        if (_byConnection.TryRemove(context.ConnectionId, out var subscriber))
        {
            subscriber.Queue.Writer.TryComplete();
        }
    }

    public IReadOnlyCollection<Guid> ConnectedUsers() =>
        _byConnection.Values.Select(s => s.Context.User?.UserId()).OfType<Guid>().ToHashSet();

    /// <summary>Applies a user's current access to all its connections here; the number whose access changed.</summary>
    public int SetStaff(Guid user, bool staff)
    {
        return _byConnection.Values.Where(s => s.Context.User?.UserId() == user).Count(s => s.ApplyRoleChange(staff));
    }

    /// <summary>Queues the event for every client that subscribed to it and may read it; never waits on a client.</summary>
    public void Deliver(VideoChangedMessage message, Guid videoId, bool isPublic, DateTimeOffset committedAt)
    {
        // Serialized once for all its recipients; each send then copies the JSON rather than serializing the video again.
        var change = new OutgoingChange(JsonSerializer.SerializeToElement(message, json.Value.PayloadSerializerOptions), message.Seq, committedAt);
        foreach (var subscriber in _byConnection.Values)
        {
            if (subscriber.Wants(videoId, isPublic) && !subscriber.TryEnqueue(change))
            {
                metrics.SlowClients.Add(1);
                logger.LogWarning("Real-time client {ConnectionId} (user {UserId}) fell {Limit} events behind at seq {Seq}: told to resync and disconnected",
                    subscriber.Context.ConnectionId, subscriber.Context.User?.UserId(), options.Value.ClientQueueLimit, message.Seq);
            }
        }
    }

    private async Task SendQueuedAsync(Subscriber subscriber)
    {
        var client = hub.Clients.Client(subscriber.Context.ConnectionId);
        try
        {
            await foreach (var change in subscriber.Queue.Reader.ReadAllAsync(subscriber.Sending))
            {
                await client.SendAsync(VideoChangedMessage.Method, change.Payload, subscriber.Sending);
                subscriber.LastSentSeq = change.Seq;
                metrics.Delivered.Add(1, new KeyValuePair<string, object?>("path", "live"));
                metrics.Latency.Record((time.GetUtcNow() - change.CommittedAt).TotalSeconds);
            }
        }
        catch (OperationCanceledException) when (subscriber.Overflowed || subscriber.Context.ConnectionAborted.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Real-time client {ConnectionId} could not be sent its events", subscriber.Context.ConnectionId);
            subscriber.Context.Abort();
            return;
        }
        if (subscriber.Overflowed)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(subscriber.Context.ConnectionAborted);
                timeout.CancelAfter(ResyncTimeout);
                await client.SendAsync(ResyncMethod, new ResyncMessage(subscriber.LastSentSeq), timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Stalled: it learns by the disconnect instead, and resumes from the last seq it saw.
            }
            subscriber.Context.Abort();
        }
    }
}

public sealed record ResyncMessage(long AfterSeq);
