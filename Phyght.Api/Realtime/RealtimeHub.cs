using Microsoft.AspNetCore.SignalR;
using Phyght.Api.Auth;
using Phyght.Api.Videos;
using Phyght.Core.Accounts;
using Phyght.Core.Realtime;

namespace Phyght.Api.Realtime;

/// <summary>
/// <c>/realtime</c>: <c>Subscribe(videoId, afterSeq)</c> (afterSeq null for live only), <c>SubscribeAll()</c>,
/// <c>Unsubscribe(videoId)</c>, <c>UnsubscribeAll()</c>; the server sends <c>videoChanged</c>. Staff and other readers
/// are in separate groups, so readers never receive a video they may not read.
/// </summary>
public sealed class RealtimeHub(PhyghtDbContext db, VideoCatalog catalog, VideoResponses responses, RealtimeMetrics metrics) : Hub
{
    public static string VideoGroup(Guid videoId, bool staff) => $"video:{videoId}:{(staff ? "staff" : "public")}";

    public static string AllGroup(bool staff) => $"all:{(staff ? "staff" : "public")}";

    public override Task OnConnectedAsync()
    {
        metrics.Connections.Add(1);
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
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
        // Join first, then replay: an event committed meanwhile arrives live or in the replay (clients de-duplicate
        // by seq), never in neither.
        await Groups.AddToGroupAsync(Context.ConnectionId, VideoGroup(videoId, staff), Context.ConnectionAborted);
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
        await Groups.AddToGroupAsync(Context.ConnectionId, AllGroup(await IsStaffAsync()), Context.ConnectionAborted);
        metrics.Subscriptions.Add(1, new KeyValuePair<string, object?>("kind", "all"));
    }

    public async Task Unsubscribe(Guid videoId)
    {
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, VideoGroup(videoId, staff: true));
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, VideoGroup(videoId, staff: false));
    }

    public async Task UnsubscribeAll()
    {
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, AllGroup(staff: true));
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, AllGroup(staff: false));
    }

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
