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
        if (afterSeq is not { } after)
        {
            if (!subscriber.Subscribe(videoId))
            {
                throw TooManySubscriptions();
            }
            metrics.Subscriptions.Add(1, new KeyValuePair<string, object?>("kind", "video"));
            return;
        }
        var wasSubscribed = subscriber.IsSubscribedTo(videoId);
        await SubscribeAndReplayAsync(subscriber, videoId, after, staff,
            subscribe: () =>
            {
                if (!subscriber.Subscribe(videoId))
                {
                    throw TooManySubscriptions();
                }
            },
            restore: () =>
            {
                if (!wasSubscribed)
                {
                    subscriber.Unsubscribe(videoId);
                }
            },
            end: () => subscriber.Unsubscribe(videoId));
        metrics.Subscriptions.Add(1, new KeyValuePair<string, object?>("kind", "replay"));
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
        var wasAll = subscriber.All;
        await SubscribeAndReplayAsync(subscriber, null, afterSeq, staff,
            subscribe: () => subscriber.All = true, restore: () => subscriber.All = wasAll, end: () => subscriber.All = false);
        metrics.Subscriptions.Add(1, new KeyValuePair<string, object?>("kind", "all-replay"));
    }

    /// <summary>
    /// Subscribes, then sends the video's changes (every readable video's, for <c>null</c>) after <paramref name="after"/>,
    /// with live sends held back meanwhile: a change committed during the call arrives in the replay or after it, and the
    /// client sees seqs in order. Seqs follow commit order, so "after a seq" misses nothing that commits later. A replay
    /// longer than <see cref="RealtimeOptions.MaxReplay"/> sends that many and then <c>resync</c> with the last seq sent,
    /// and <paramref name="end"/>s the subscription, live before or not, until the client's next call reaches the end
    /// (live changes past the gap would move its last seq beyond what it missed). A call that fails
    /// <paramref name="restore"/>s the subscription as it was.
    /// </summary>
    private async Task SubscribeAndReplayAsync(Subscriber subscriber, Guid? videoId, long after, bool staff, Action subscribe, Action restore, Action end)
    {
        var ct = Context.ConnectionAborted;
        await subscriber.HoldSendsAsync(ct);
        try
        {
            subscribe();
            try
            {
                // The change feed keeps Housekeeping:ChangeFeedDays of history: a replay from before that would silently
                // lack what was removed, so the client is told to fetch the video again instead.
                if (await db.ChangeFeed.MinAsync(c => (long?)c.Seq, ct) is { } oldest && after < oldest - 1)
                {
                    throw new HubException($"Changes after seq {after} are no longer kept (the oldest kept is {oldest}): fetch the video again and subscribe with afterSeq null or the seq it had.");
                }
                var max = options.Value.MaxReplay;
                var missed = await db.ChangeFeed.AsNoTracking()
                    .Where(c => (videoId == null || c.VideoId == videoId) && c.Seq > after)
                    .OrderBy(c => c.Seq)
                    .Take(max + 1)
                    .ToListAsync(ct);
                var sent = missed.Take(max).ToList();
                var readable = sent.Select(change => VideoChangedMessage.From(change, responses))
                    .Where(m => staff || m.IsPublic).Select(m => m.Message).ToList();
                await subscribers.ReplayAsync(Context, readable, ct);
                metrics.Delivered.Add(readable.Count, new KeyValuePair<string, object?>("path", "replay"));
                if (missed.Count > max)
                {
                    end();
                    await Clients.Caller.SendAsync(Subscribers.ResyncMethod, new ResyncMessage(sent[^1].Seq, videoId), ct);
                    return;
                }
                subscriber.Replayed(videoId, sent.Count > 0 ? sent[^1].Seq : after);
            }
            catch
            {
                restore();
                throw;
            }
        }
        finally
        {
            subscriber.ReleaseSends();
        }
    }

    private HubException TooManySubscriptions()
    {
        metrics.CallsRefused.Add(1);
        return new HubException($"At most {options.Value.MaxSubscriptions} videos per connection; unsubscribe from some first.");
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
