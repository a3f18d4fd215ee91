using System.Diagnostics;
using System.Threading.Channels;
using Phyght.Api.Videos;
using Phyght.Core.Realtime;
using StackExchange.Redis;

namespace Phyght.Api.Realtime;

/// <summary>
/// Every API instance subscribes to the change channel on Redis and delivers each event, read from the change feed by
/// the seq the message names, to its own connections. Redis is only the fast path: pub/sub forgets what it sent while
/// a subscriber was away, and an event cannot be read while the database is away, so a sweep checks the change feed
/// against what this instance delivered (<see cref="DeliveredSeqs"/>) and delivers what is missing: every
/// <see cref="SweepInterval"/> for events settled longer than <see cref="Settle"/>, and at once for all of them when
/// Redis or the database comes back. Each seq is delivered once.
/// </summary>
public sealed class ChangeFanout(
    IConnectionMultiplexer redis,
    IServiceScopeFactory scopes,
    Subscribers subscribers,
    VideoResponses responses,
    CatalogCache cache,
    RealtimeMetrics metrics,
    TimeProvider time,
    ILogger<ChangeFanout> logger) : BackgroundService
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);

    /// <summary>How long an event may take from its commit to this instance through Redis before a sweep delivers it.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    private const int SweepPage = 1_000;

    private DeliveredSeqs _delivered = null!;
    private readonly Channel<bool> _sweepNow = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private int _redisRestored;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _markers = new();

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            _delivered = new DeliveredSeqs(await scope.ServiceProvider.GetRequiredService<PhyghtDbContext>().ChangeFeed
                .MaxAsync(c => (long?)c.Seq, cancellationToken) ?? 0);
        }
        redis.ConnectionRestored += (_, _) =>
        {
            Volatile.Write(ref _redisRestored, 1);
            _sweepNow.Writer.TryWrite(true);
        };
        var queue = await redis.GetSubscriber().SubscribeAsync(ChangePublisher.Channel);
        queue.OnMessage(OnMessageAsync);
        await base.StartAsync(cancellationToken);
    }

    private async Task OnMessageAsync(ChannelMessage message)
    {
        try
        {
            var text = message.Message.ToString();
            if (_markers.TryRemove(text, out var heard))
            {
                heard.TrySetResult();
            }
            else if (long.TryParse(text, out var seq) && !_delivered.Contains(seq))
            {
                await using var scope = scopes.CreateAsyncScope();
                ChangeEvent? change;
                // Read before the change's trace is known (the row carries it): traced, every delivery on every
                // instance would add a trace of its own to the dashboard. The delivery is traced, in the change's trace.
                using (OpenTelemetry.SuppressInstrumentationScope.Begin())
                {
                    change = await scope.ServiceProvider.GetRequiredService<PhyghtDbContext>().ChangeFeed.AsNoTracking()
                        .SingleOrDefaultAsync(c => c.Seq == seq);
                }
                if (change is not null)
                {
                    await DeliverAsync(change);
                }
            }
        }
        catch (Exception ex)
        {
            // Most often the database is away for a moment: the feed still has the event, and the sweep delivers it.
            logger.LogWarning(ex, "Could not deliver change {Message} now; the change feed sweep will", message.Message.ToString());
            _sweepNow.Writer.TryWrite(true);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Task<bool>? wake = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            wake ??= _sweepNow.Reader.WaitToReadAsync(stoppingToken).AsTask();
            var requested = await Task.WhenAny(wake, Task.Delay(SweepInterval, time, stoppingToken)) == wake;
            if (requested)
            {
                wake = null;
                _sweepNow.Reader.TryRead(out _);
            }
            await SweepUntilDoneAsync(everything: requested, stoppingToken);
        }
    }

    /// <summary>Retried until the database is back (a restart takes seconds to a minute): giving up would lose the
    /// events whose live read failed.</summary>
    private async Task SweepUntilDoneAsync(bool everything, CancellationToken ct)
    {
        for (var attempt = 1; !ct.IsCancellationRequested; attempt++)
        {
            try
            {
                var restored = Interlocked.Exchange(ref _redisRestored, 0) == 1;
                if (restored)
                {
                    await AwaitSubscriptionAsync(ct);
                }
                var recovered = await SweepAsync(everything || restored, ct);
                if (recovered.Count > 0)
                {
                    // After an outage this is the catch-up; otherwise Redis lost messages it had accepted.
                    logger.Log(everything || restored ? LogLevel.Information : LogLevel.Warning,
                        "Change feed sweep delivered {Count} changes that had not arrived through Redis: seqs {Seqs}",
                        recovered.Count, string.Join(", ", recovered.Take(20)) + (recovered.Count > 20 ? ", …" : ""));
                }
                return;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                everything = true;
                logger.Log(attempt < 30 ? LogLevel.Warning : LogLevel.Error, ex,
                    "Could not sweep the change feed (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), time, ct);
            }
        }
    }

    /// <summary>
    /// Delivers every event after the watermark that no one claimed, page by page, and moves the watermark past it.
    /// Seqs are handed out in commit order (<see cref="Phyght.Core.Videos.VideoWriter"/>), so once the feed is read past
    /// a seq nothing at or below it can still commit. <paramref name="everything"/>: the events of the last
    /// <see cref="Settle"/> too (after an outage they will not arrive through Redis).
    /// </summary>
    private async Task<List<long>> SweepAsync(bool everything, CancellationToken ct)
    {
        using var activity = everything ? PhyghtTelemetry.ActivitySource.StartActivity("sweep change feed") : null;
        var settledBefore = everything ? DateTimeOffset.MaxValue : time.GetUtcNow() - Settle;
        var recovered = new List<long>();
        while (true)
        {
            var after = _delivered.SweptUpTo;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PhyghtDbContext>();
            // Every 5 s: traced, the periodic read would bury every real trace in the dashboard (what it delivers is traced).
            List<(long Seq, DateTimeOffset CreatedAt)> feed;
            using (everything ? null : OpenTelemetry.SuppressInstrumentationScope.Begin())
            {
                feed = [.. (await db.ChangeFeed.AsNoTracking().Where(c => c.Seq > after).OrderBy(c => c.Seq).Take(SweepPage)
                    .Select(c => new { c.Seq, c.CreatedAt }).ToListAsync(ct)).Select(c => (c.Seq, c.CreatedAt))];
            }
            var (unclaimed, upTo) = _delivered.Check(feed, settledBefore);
            if (unclaimed.Count > 0)
            {
                foreach (var change in await db.ChangeFeed.AsNoTracking().Where(c => unclaimed.Contains(c.Seq)).OrderBy(c => c.Seq).ToListAsync(ct))
                {
                    if (await DeliverAsync(change))
                    {
                        recovered.Add(change.Seq);
                        metrics.Recovered.Add(1, new KeyValuePair<string, object?>("reason", everything ? "outage" : "lost"));
                    }
                }
            }
            _delivered.Advance(upTo);
            if (feed.Count < SweepPage || upTo != feed[^1].Seq)
            {
                activity?.SetTag("phyght.change.seq", upTo);
                return recovered;
            }
        }
    }

    /// <summary>
    /// Waits until this instance hears its own marker on the channel. The connection comes back before its channels are
    /// subscribed again, and an event published in between reaches no one here; once the marker arrives, every event
    /// published before it was committed before the sweep reads, and every one after it arrives live. (Measured:
    /// catching up at once lost 1 of 111 events under load across a Redis restart.)
    /// </summary>
    private async Task AwaitSubscriptionAsync(CancellationToken ct)
    {
        for (var attempt = 1; attempt <= 30; attempt++)
        {
            var marker = $"resume:{Guid.NewGuid():N}";
            var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _markers[marker] = heard;
            try
            {
                await redis.GetSubscriber().PublishAsync(ChangePublisher.Channel, marker);
                await heard.Task.WaitAsync(TimeSpan.FromSeconds(1), time, ct);
                return;
            }
            catch (RedisException)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, ct); // Redis refuses at once while it is still coming back
            }
            catch (TimeoutException)
            {
            }
            finally
            {
                _markers.TryRemove(marker, out _);
            }
        }
        logger.LogWarning("The change channel's subscription was not confirmed after Redis came back; sweeping anyway");
    }

    /// <summary>Delivers the change to this instance's subscribers; false when someone else claimed it.</summary>
    private async Task<bool> DeliverAsync(ChangeEvent change)
    {
        if (!_delivered.TryClaim(change.Seq))
        {
            return false;
        }
        try
        {
            ActivityContext.TryParse(change.TraceParent, null, out var parent);
            using var activity = PhyghtTelemetry.ActivitySource.StartActivity("deliver videoChanged", ActivityKind.Consumer, parent);
            activity?.SetTag("phyght.video.id", change.VideoId);
            activity?.SetTag("phyght.change.seq", change.Seq);

            // Changes made by other instances (or the worker) reach this instance's cache here. An eviction that fails
            // while Redis comes back (the cache's second level) only leaves a page cached for its few seconds.
            try
            {
                await cache.EvictAsync(change.VideoId);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not evict video {VideoId} from the cache for change {Seq}", change.VideoId, change.Seq);
            }
            var (message, isPublic) = VideoChangedMessage.From(change, responses);
            subscribers.Deliver(message, change.VideoId, isPublic, change.CreatedAt);
        }
        catch
        {
            _delivered.Release(change.Seq);
            throw;
        }
        _delivered.Complete(change.Seq);
        return true;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await redis.GetSubscriber().UnsubscribeAsync(ChangePublisher.Channel);
        await base.StopAsync(cancellationToken);
    }
}
