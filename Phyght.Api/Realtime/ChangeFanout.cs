using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Phyght.Api.Videos;
using Phyght.Core.Realtime;
using StackExchange.Redis;

namespace Phyght.Api.Realtime;

/// <summary>Every API instance subscribes to the change channel on Redis and delivers each event to its own
/// connections. StackExchange.Redis re-subscribes by itself after Redis comes back; the outbox drainer then sends
/// what was not published meanwhile.</summary>
public sealed class ChangeFanout(
    IConnectionMultiplexer redis,
    IHubContext<RealtimeHub> hub,
    VideoResponses responses,
    CatalogCache cache,
    RealtimeMetrics metrics,
    TimeProvider time,
    ILogger<ChangeFanout> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var queue = await redis.GetSubscriber().SubscribeAsync(ChangePublisher.Channel);
        queue.OnMessage(async message =>
        {
            try
            {
                await DeliverAsync(ChangeMessage.Parse(message.Message));
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Could not deliver a change event");
            }
        });
    }

    private async Task DeliverAsync(ChangeEvent? change)
    {
        if (change is null)
        {
            return;
        }
        ActivityContext.TryParse(change.TraceParent, null, out var parent);
        using var activity = PhyghtTelemetry.ActivitySource.StartActivity("deliver videoChanged", ActivityKind.Consumer, parent);
        activity?.SetTag("phyght.video.id", change.VideoId);
        activity?.SetTag("phyght.change.seq", change.Seq);

        // Changes made by other instances (or the worker) reach this instance's cache here.
        await cache.EvictAsync(change.VideoId);
        var message = VideoChangedMessage.From(change, responses);
        List<string> groups = [RealtimeHub.VideoGroup(change.VideoId, staff: true), RealtimeHub.AllGroup(staff: true)];
        if (VideoChangedMessage.IsPublic(change))
        {
            groups.Add(RealtimeHub.VideoGroup(change.VideoId, staff: false));
            groups.Add(RealtimeHub.AllGroup(staff: false));
        }
        await hub.Clients.Groups(groups).SendAsync(VideoChangedMessage.Method, message);
        metrics.Delivered.Add(1, new KeyValuePair<string, object?>("path", "live"));
        metrics.Latency.Record((time.GetUtcNow() - change.CreatedAt).TotalSeconds);
    }

    public Task StopAsync(CancellationToken cancellationToken) => redis.GetSubscriber().UnsubscribeAsync(ChangePublisher.Channel);
}
