using Microsoft.AspNetCore.SignalR;
using Phyght.Api.Auth;
using Phyght.Api.Videos;
using Phyght.Core.Accounts;
using Phyght.Core.Realtime;

namespace Phyght.Api.Realtime;

/// <summary>
/// <c>/realtime</c>: <c>Subscribe(videoId, afterSeq)</c> (afterSeq null for live only), <c>SubscribeAll()</c>,
/// <c>Unsubscribe(videoId)</c>, <c>UnsubscribeAll()</c>; the server sends <c>videoChanged</c>, and <c>resync</c> to a
/// client that fell too far behind (see <see cref="Subscribers"/>). A client is sent only videos it may read.
/// </summary>
public sealed class RealtimeHub(PhyghtDbContext db, VideoCatalog catalog, VideoResponses responses, Subscribers subscribers, RealtimeMetrics metrics) : Hub
{
    public override Task OnConnectedAsync()
    {
        subscribers.Add(Context);
        metrics.Connections.Add(1);
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        subscribers.Remove(Context);
        metrics.Connections.Add(-1);
        return base.OnDisconnectedAsync(exception);
    }

    public async Task Subscribe(Guid videoId, long? afterSeq)
    {
        var staff = await IsStaffAsync();
        if (await catalog.FindReadableAsync(videoId, staff, Context.ConnectionAborted) is null)
        {
            throw new HubException($"Video {videoId} was not found.");
        }
        // Subscribe first, then replay: an event committed meanwhile arrives live or in the replay (clients
        // de-duplicate by seq), never in neither.
        var subscriber = subscribers.Get(Context);
        subscriber.Staff = staff;
        subscriber.Subscribe(videoId);
        metrics.Subscriptions.Add(1, new KeyValuePair<string, object?>("kind", afterSeq is null ? "video" : "replay"));
        if (afterSeq is { } after)
        {
            var missed = await db.ChangeFeed.AsNoTracking()
                .Where(c => c.VideoId == videoId && c.Seq > after)
                .OrderBy(c => c.Seq)
                .ToListAsync(Context.ConnectionAborted);
            foreach (var change in missed.Where(c => staff || VideoChangedMessage.IsPublic(c)))
            {
                await Clients.Caller.SendAsync(VideoChangedMessage.Method, VideoChangedMessage.From(change, responses), Context.ConnectionAborted);
            }
            metrics.Delivered.Add(missed.Count, new KeyValuePair<string, object?>("path", "replay"));
        }
    }

    public async Task SubscribeAll()
    {
        var subscriber = subscribers.Get(Context);
        subscriber.Staff = await IsStaffAsync();
        subscriber.All = true;
        metrics.Subscriptions.Add(1, new KeyValuePair<string, object?>("kind", "all"));
    }

    public void Unsubscribe(Guid videoId) => subscribers.Get(Context).Unsubscribe(videoId);

    public void UnsubscribeAll() => subscribers.Get(Context).All = false;

    private async Task<bool> IsStaffAsync()
    {
        if (Context.User?.UserId() is not { } userId)
        {
            return false;
        }
        var role = await db.RoleOfAsync(userId, Context.ConnectionAborted);
        return role?.IsStaff() ?? false;
    }
}
