using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;

namespace Phyght.Api.Realtime;

/// <summary>One connection's subscriptions and its bounded queue of events waiting to be sent to it.</summary>
public sealed class Subscriber(HubCallerContext context, RealtimeOptions options)
{
    private readonly System.Threading.RateLimiting.TokenBucketRateLimiter _calls = new(new()
    {
        TokenLimit = options.CallsPerSecond,
        TokensPerPeriod = options.CallsPerSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    });
    /// <summary>The subscribed videos, each with the last seq its replay sent (0 without one).</summary>
    private readonly ConcurrentDictionary<Guid, long> _videos = new();
    private long _allReplayedThrough;
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly CancellationTokenSource _sending = CancellationTokenSource.CreateLinkedTokenSource(context.ConnectionAborted);
    private int _overflowed;

    public HubCallerContext Context { get; } = context;

    /// <summary>Cancelled when the connection closes or the client overflows (a send blocked on it gives up).</summary>
    public CancellationToken Sending => _sending.Token;

    public Channel<OutgoingChange> Queue { get; } = Channel.CreateBounded<OutgoingChange>(
        new BoundedChannelOptions(options.ClientQueueLimit) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly Lock _access = new();
    private int _roleVersion;

    /// <summary>Whether this client may see videos that are not public: set by its latest subscribe call, and again
    /// whenever its user's role changes (<see cref="RoleChanges"/>).</summary>
    public bool Staff { get; private set; }

    /// <summary>Bumped by every role change of the user, so a subscribe call knows whether the role it read is current.</summary>
    public int RoleVersion => Volatile.Read(ref _roleVersion);

    /// <summary>Sets the access a subscribe call read, unless a role change arrived since it read (then it reads again).</summary>
    public bool TrySetStaff(int readAtVersion, bool staff)
    {
        lock (_access)
        {
            if (_roleVersion != readAtVersion)
            {
                return false;
            }
            Staff = staff;
            return true;
        }
    }

    /// <summary>A role change: always wins over a subscribe call still reading the old role.</summary>
    public bool ApplyRoleChange(bool staff)
    {
        lock (_access)
        {
            _roleVersion++;
            var changed = Staff != staff;
            Staff = staff;
            return changed;
        }
    }

    public bool All { get; set; }

    public bool IsSubscribedTo(Guid videoId) => _videos.ContainsKey(videoId);

    /// <summary>The seq of the last event whose send completed: where the client resumes after a <c>resync</c> (an
    /// event whose send was cut off may have reached it too; clients de-duplicate by seq).</summary>
    public long LastSentSeq { get; set; }

    public bool Overflowed => Volatile.Read(ref _overflowed) == 1;

    /// <summary>False when the connection already has <see cref="RealtimeOptions.MaxSubscriptions"/> videos.</summary>
    public bool Subscribe(Guid videoId)
    {
        if (_videos.Count >= options.MaxSubscriptions && !_videos.ContainsKey(videoId))
        {
            return false;
        }
        _videos.TryAdd(videoId, 0);
        return true;
    }

    /// <summary>A replay sent the subscription's changes up to <paramref name="seq"/>: a live one queued meanwhile at or
    /// below it is not sent again.</summary>
    public void Replayed(Guid? videoId, long seq)
    {
        if (videoId is { } id)
        {
            _videos[id] = seq;
        }
        else
        {
            Volatile.Write(ref _allReplayedThrough, seq);
        }
    }

    /// <summary>Whether a queued change is still to be sent when its turn comes: still wanted (the client may have
    /// unsubscribed or lost its role meanwhile) and not already sent by a replay.</summary>
    public bool StillSends(OutgoingChange change) =>
        Wants(change.VideoId, change.IsPublic)
        && change.Seq > Math.Max(Volatile.Read(ref _allReplayedThrough), _videos.GetValueOrDefault(change.VideoId));

    /// <summary>Holds live sends back while a subscribe call subscribes and replays, so the replay reaches the client
    /// first and the client sees seqs in order: its last seq is then always a point to resume from.</summary>
    public Task HoldSendsAsync(CancellationToken ct) => _writing.WaitAsync(ct);

    public void ReleaseSends() => _writing.Release();

    /// <summary>Takes one hub call from this connection's bucket; false when it is empty.</summary>
    public bool TryCall()
    {
        using var lease = _calls.AttemptAcquire();
        return lease.IsAcquired;
    }

    public void Unsubscribe(Guid videoId) => _videos.TryRemove(videoId, out _);

    public bool Wants(Guid videoId, bool isPublic) => (Staff || isPublic) && (All || _videos.ContainsKey(videoId));

    /// <summary>Queues an event; false (once) when the queue is full, and from then on the client is only told to resync.</summary>
    public bool TryEnqueue(OutgoingChange change)
    {
        if (Overflowed || Queue.Writer.TryWrite(change))
        {
            return true;
        }
        if (Interlocked.Exchange(ref _overflowed, 1) == 1)
        {
            return true;
        }
        Queue.Writer.TryComplete();
        _sending.Cancel();
        return false;
    }
}

/// <summary>A <c>videoChanged</c> message, serialized once for all its recipients, waiting in a client's queue.</summary>
public sealed record OutgoingChange(SerializedHubMessage Message, long Seq, Guid VideoId, bool IsPublic, DateTimeOffset CommittedAt);
