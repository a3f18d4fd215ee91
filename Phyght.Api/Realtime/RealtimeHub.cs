using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Phyght.Api.Auth;
using Phyght.Api.Videos;
using Phyght.Core.Realtime;
using Phyght.Core.Videos;

namespace Phyght.Api.Realtime;

/// <summary>
/// <c>/realtime</c>: <c>Subscribe(videoId, afterSeq)</c> (afterSeq null for live only), <c>SubscribeAll()</c>,
/// <c>SubscribeAllAfter(afterSeq)</c>, <c>Unsubscribe(videoId)</c>, <c>UnsubscribeAll()</c>; the server sends <c>videoChanged</c>, and <c>resync</c> to a
/// client that fell too far behind or whose replay was longer than <see cref="RealtimeOptions.MaxReplay"/>
/// (see <see cref="Subscribers"/>). A client is sent only videos it may read (<see cref="VideoAccess"/>).
/// </summary>
public sealed class RealtimeHub(
    PhyghtDbContext db,
    VideoQueries videos,
    VideoResponses responses,
    Subscribers subscribers,
    RealtimeMetrics metrics,
    IOptions<RealtimeOptions> options) : Hub
{
    public override Task OnConnectedAsync()
    {
        if (!subscribers.TryAdd(Context))
        {
            metrics.CallsRefused.Add(1);
            Context.Abort();
            return Task.CompletedTask;
        }
        metrics.Connections.Add(1);
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        if (subscribers.Find(Context.ConnectionId) is not null)
        {
            subscribers.Remove(Context);
            metrics.Connections.Add(-1);
        }
        return base.OnDisconnectedAsync(exception);
    }

    public async Task Subscribe(Guid videoId, long? afterSeq)
    {
        var subscriber = subscribers.Get(Context);
        var staff = await ReadAccessAsync(subscriber);
        if (await videos.FindReadableAsync(videoId, staff, Context.ConnectionAborted) is null)
        {
            throw new HubException($"Video {videoId} was not found.");
        }
        // Subscribe first, then replay: an event committed meanwhile arrives live or in the replay (clients
        // de-duplicate by seq), never in neither.
        if (!subscriber.Subscribe(videoId))
        {
            metrics.CallsRefused.Add(1);
            throw new HubException($"At most {options.Value.MaxSubscriptions} videos per connection; unsubscribe from some first.");
        }
        metrics.Subscriptions.Add(1, new KeyValuePair<string, object?>("kind", afterSeq is null ? "video" : "replay"));
        if (afterSeq is { } after)
        {
            await ReplayAsync(videoId, after, staff);
        }
    }

    /// <summary>Sends the video's changes (every readable video's, for <c>null</c>) after <paramref name="after"/>, at most
    /// <see cref="RealtimeOptions.MaxReplay"/>; when more remain, <c>resync</c> with the last seq sent tells the client to
    /// subscribe again from there. Seqs follow commit order, so "after a seq" misses nothing that commits later.</summary>
    private async Task ReplayAsync(Guid? videoId, long after, bool staff)
    {
        // The change feed keeps Housekeeping:ChangeFeedDays of history: a replay from before that would silently lack
        // what was removed, so the client is told to fetch the video again instead.
        if (await db.ChangeFeed.MinAsync(c => (long?)c.Seq, Context.ConnectionAborted) is { } oldest && after < oldest - 1)
        {
            throw new HubException($"Changes after seq {after} are no longer kept (the oldest kept is {oldest}): fetch the video again and subscribe with afterSeq null or the seq it had.");
        }
        var max = options.Value.MaxReplay;
        var missed = await db.ChangeFeed.AsNoTracking()
            .Where(c => (videoId == null || c.VideoId == videoId) && c.Seq > after)
            .OrderBy(c => c.Seq)
            .Take(max + 1)
            .ToListAsync(Context.ConnectionAborted);
        var readable = missed.Take(max).Select(change => VideoChangedMessage.From(change, responses))
            .Where(m => staff || m.IsPublic).Select(m => m.Message).ToList();
        await subscribers.ReplayAsync(Context, readable, Context.ConnectionAborted);
        metrics.Delivered.Add(readable.Count, new KeyValuePair<string, object?>("path", "replay"));
        if (missed.Count > max)
        {
            await Clients.Caller.SendAsync(Subscribers.ResyncMethod, new ResyncMessage(missed[max - 1].Seq), Context.ConnectionAborted);
        }
    }

    public async Task SubscribeAll()
    {
        var subscriber = subscribers.Get(Context);
        await ReadAccessAsync(subscriber);
        subscriber.All = true;
        metrics.Subscriptions.Add(1, new KeyValuePair<string, object?>("kind", "all"));
    }

    /// <summary><see cref="SubscribeAll"/>, resuming: first every change after <paramref name="afterSeq"/> that the
    /// caller may read (the last <c>seq</c> it saw, on any instance).</summary>
    public async Task SubscribeAllAfter(long afterSeq)
    {
        var subscriber = subscribers.Get(Context);
        var staff = await ReadAccessAsync(subscriber);
        subscriber.All = true;
        metrics.Subscriptions.Add(1, new KeyValuePair<string, object?>("kind", "all-replay"));
        await ReplayAsync(null, afterSeq, staff);
    }

    public void Unsubscribe(Guid videoId) => subscribers.Get(Context).Unsubscribe(videoId);

    public void UnsubscribeAll() => subscribers.Get(Context).All = false;

    /// <summary>The caller's access, read from its stored role and set on its connection, unless a role change arrived
    /// while it was read: then it is read again (the change, not this older read, must win).</summary>
    private async Task<bool> ReadAccessAsync(Subscriber subscriber)
    {
        // A hub call is no HTTP request: the connection's user is named here, before this call's first query.
        db.CallerId = Context.User?.UserId();
        while (true)
        {
            var version = subscriber.RoleVersion;
            var staff = await IsStaffAsync();
            if (subscriber.TrySetStaff(version, staff))
            {
                return staff;
            }
        }
    }

    private async Task<bool> IsStaffAsync() =>
        Context.User?.UserId() is { } userId && VideoAccess.IsStaff(await db.RoleOfAsync(userId, Context.ConnectionAborted));
}
