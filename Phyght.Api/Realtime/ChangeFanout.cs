using System.Diagnostics;
using Phyght.Api.Videos;
using Phyght.Core.Realtime;
using StackExchange.Redis;

namespace Phyght.Api.Realtime;

/// <summary>Every API instance subscribes to the change channel on Redis and delivers each event, read from the
/// change feed by the seq the message names, to its own connections. Pub/sub forgets what it sent while a subscriber
/// was away, and an event cannot be read while the database is away, so when either comes back this instance catches
/// up from the change feed past the last seq it delivered (each seq is delivered once).</summary>
public sealed class ChangeFanout(
    IConnectionMultiplexer redis,
    IServiceScopeFactory scopes,
    Subscribers subscribers,
    VideoResponses responses,
    CatalogCache cache,
    ILogger<ChangeFanout> logger) : IHostedService
{
    private long _lastSeq;
    // Seqs already delivered by this instance (a recent window), so live delivery and catch-up never send one twice.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, byte> _delivered = new();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            _lastSeq = await scope.ServiceProvider.GetRequiredService<PhyghtDbContext>().ChangeFeed.MaxAsync(c => (long?)c.Seq, cancellationToken) ?? 0;
        }
        redis.ConnectionRestored += (_, _) => RequestCatchUp();
        var queue = await redis.GetSubscriber().SubscribeAsync(ChangePublisher.Channel);
        queue.OnMessage(async message =>
        {
            try
            {
                var text = message.Message.ToString();
                if (_markers.TryRemove(text, out var heard))
                {
                    heard.TrySetResult();
                }
                else if (long.TryParse(text, out var seq) && !_delivered.ContainsKey(seq))
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await DeliverAsync(await scope.ServiceProvider.GetRequiredService<PhyghtDbContext>().ChangeFeed.AsNoTracking()
                        .SingleOrDefaultAsync(c => c.Seq == seq));
                }
            }
            catch (Exception ex)
            {
                // Most often the database is away for a moment: the feed still has the event, so catch up from it.
                logger.LogWarning(ex, "Could not deliver change {Message} now; catching up from the change feed", message.Message.ToString());
                RequestCatchUp();
            }
        });
    }

    private int _catchingUp;
    private int _catchUpRequested;

    /// <summary>Runs <see cref="CatchUpAsync"/>, once at a time: a request made while one runs makes it run again after.</summary>
    private void RequestCatchUp()
    {
        Volatile.Write(ref _catchUpRequested, 1);
        if (Interlocked.CompareExchange(ref _catchingUp, 1, 0) != 0)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                while (Interlocked.Exchange(ref _catchUpRequested, 0) == 1)
                {
                    await CatchUpAsync();
                }
            }
            finally
            {
                Volatile.Write(ref _catchingUp, 0);
                if (Volatile.Read(ref _catchUpRequested) == 1)
                {
                    RequestCatchUp();
                }
            }
        });
    }

    /// <summary>
    /// Events published while Redis was away, read from the change feed. Seqs are handed out in commit order
    /// (<see cref="Phyght.Core.Videos.VideoWriter"/>), so reading after a seq misses nothing committed later; the read
    /// starts <see cref="InFlightMargin"/> seqs before the highest this instance delivered, for events that were still on
    /// their way through Redis when it went (those already delivered are skipped). Retried until the database is back.
    /// </summary>
    private async Task CatchUpAsync()
    {
        await AwaitSubscriptionAsync();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var after = Math.Max(0, Interlocked.Read(ref _lastSeq) - InFlightMargin);
                var from = after;
                var delivered = 0;
                while (true)
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var page = await scope.ServiceProvider.GetRequiredService<PhyghtDbContext>().ChangeFeed.AsNoTracking()
                        .Where(c => c.Seq > after).OrderBy(c => c.Seq).Take(CatchUpPage).ToListAsync();
                    foreach (var change in page)
                    {
                        delivered += await DeliverAsync(change) ? 1 : 0;
                    }
                    if (page.Count < CatchUpPage)
                    {
                        break;
                    }
                    after = page[^1].Seq;
                }
                logger.LogInformation("Redis is back: caught up {Count} undelivered changes after seq {Seq}", delivered, from);
                return;
            }
            catch (Exception ex)
            {
                // Until the database is back (a restart takes seconds to a minute): giving up would lose the events
                // whose live read failed. Every 5 s at most, logged as an error once it has lasted a while.
                logger.Log(attempt < 30 ? LogLevel.Warning : LogLevel.Error, ex,
                    "Could not catch up from the change feed (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)));
            }
        }
    }

    /// <summary>
    /// Waits until this instance hears its own marker on the channel. The connection comes back before its channels are
    /// subscribed again, and an event published in between reaches no one here; once the marker arrives, every event
    /// published before it was committed before the catch-up reads, and every one after it arrives live. (Measured:
    /// catching up at once lost 1 of 111 events under load across a Redis restart.)
    /// </summary>
    private async Task AwaitSubscriptionAsync()
    {
        for (var attempt = 1; attempt <= 30; attempt++)
        {
            var marker = $"resume:{Guid.NewGuid():N}";
            var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _markers[marker] = heard;
            try
            {
                await redis.GetSubscriber().PublishAsync(ChangePublisher.Channel, marker);
                await heard.Task.WaitAsync(TimeSpan.FromSeconds(1));
                return;
            }
            catch (RedisException)
            {
                await Task.Delay(TimeSpan.FromSeconds(1)); // Redis refuses at once while it is still coming back
            }
            catch (TimeoutException)
            {
            }
            finally
            {
                _markers.TryRemove(marker, out _);
            }
        }
        logger.LogWarning("The change channel's subscription was not confirmed after Redis came back; catching up anyway");
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _markers = new();

    private const long InFlightMargin = 1_000;
    private const int CatchUpPage = 1_000;

    /// <summary>Delivers the change to this instance's subscribers; false when it was delivered before (or is none).</summary>
    private async Task<bool> DeliverAsync(ChangeEvent? change)
    {
        if (change is null || !_delivered.TryAdd(change.Seq, 0))
        {
            return false;
        }
        if (_delivered.Count > 50_000)
        {
            var floor = Interlocked.Read(ref _lastSeq) - 10_000;
            foreach (var old in _delivered.Keys.Where(k => k < floor))
            {
                _delivered.TryRemove(old, out _);
            }
        }
        long seen;
        while ((seen = Interlocked.Read(ref _lastSeq)) < change.Seq && Interlocked.CompareExchange(ref _lastSeq, change.Seq, seen) != seen)
        {
        }
        ActivityContext.TryParse(change.TraceParent, null, out var parent);
        using var activity = PhyghtTelemetry.ActivitySource.StartActivity("deliver videoChanged", ActivityKind.Consumer, parent);
        activity?.SetTag("phyght.video.id", change.VideoId);
        activity?.SetTag("phyght.change.seq", change.Seq);

        // Changes made by other instances (or the worker) reach this instance's cache here. The seq is marked delivered
        // already, so nothing between here and Deliver may throw: an eviction that fails while Redis comes back (the
        // cache's second level) only leaves a page cached for its few seconds; throwing lost the event for good.
        try
        {
            await cache.EvictAsync(change.VideoId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not evict video {VideoId} from the cache for change {Seq}", change.VideoId, change.Seq);
        }
        var (message, isPublic) = VideoChangedMessage.From(change, responses);
        subscribers.Deliver(message, change.VideoId, isPublic, change.CreatedAt);
        return true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => redis.GetSubscriber().UnsubscribeAsync(ChangePublisher.Channel);
}
