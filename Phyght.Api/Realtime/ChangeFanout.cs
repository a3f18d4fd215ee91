using System.Diagnostics;
using System.Threading.Channels;
using Phyght.Api.Videos;
using Phyght.Core.Realtime;
using StackExchange.Redis;

namespace Phyght.Api.Realtime;

/// <summary>
/// Every API instance subscribes to the change channel on Redis and delivers the change feed to its own connections in
/// seq order, so "the last seq I saw" is always a point a client can resume from. A message names a seq; seqs follow
/// commit order (<see cref="Phyght.Core.Videos.VideoWriter"/>), so once seq N is committed every seq below it that will
/// ever commit has, and the message for N delivers every undelivered change up to N, a lost or late message's
/// included. Redis is only the fast path: a sweep delivers what no message announced (the last changes before a quiet
/// spell whose messages were lost): every <see cref="SweepInterval"/> the changes older than <see cref="Settle"/>, and
/// at once all of them when Redis comes back or a live read failed.
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

    /// <summary>How long a change may take from its commit to this instance through Redis before a sweep delivers it.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    private const int Page = 1_000;

    /// <summary>Every seq at or below it has been delivered here; moved only under <see cref="_delivering"/>.</summary>
    private long _deliveredUpTo;
    private readonly SemaphoreSlim _delivering = new(1, 1);
    private readonly Channel<bool> _sweepNow = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            _deliveredUpTo = await scope.ServiceProvider.GetRequiredService<PhyghtDbContext>().ChangeFeed
                .MaxAsync(c => (long?)c.Seq, cancellationToken) ?? 0;
        }
        redis.ConnectionRestored += (_, _) => _sweepNow.Writer.TryWrite(true);
        var queue = await redis.GetSubscriber().SubscribeAsync(ChangePublisher.Channel);
        queue.OnMessage(OnMessageAsync);
        await base.StartAsync(cancellationToken);
    }

    private async Task OnMessageAsync(ChannelMessage message)
    {
        if (!long.TryParse(message.Message.ToString(), out var seq) || seq <= Volatile.Read(ref _deliveredUpTo))
        {
            return;
        }
        try
        {
            await DeliverUpToAsync(seq, recovered: null, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Most often the database is away for a moment: the feed still has the change, and the sweep delivers it.
            logger.LogWarning(ex, "Could not deliver change {Seq} now; the change feed sweep will", seq);
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

    /// <summary>Retried until the database is back (a restart takes seconds to a minute): giving up would leave the
    /// changes whose live read failed undelivered until the next message.</summary>
    private async Task SweepUntilDoneAsync(bool everything, CancellationToken ct)
    {
        for (var attempt = 1; !ct.IsCancellationRequested; attempt++)
        {
            try
            {
                var recovered = await SweepAsync(everything, ct);
                if (recovered.Count > 0)
                {
                    // After an outage this is the catch-up; otherwise Redis lost messages it had accepted.
                    metrics.Recovered.Add(recovered.Count, new KeyValuePair<string, object?>("reason", everything ? "outage" : "lost"));
                    logger.Log(everything ? LogLevel.Information : LogLevel.Warning,
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

    /// <summary>Delivers the undelivered changes older than <see cref="Settle"/>; <paramref name="everything"/>: all of
    /// them (after an outage they will not arrive through Redis).</summary>
    private async Task<List<long>> SweepAsync(bool everything, CancellationToken ct)
    {
        using var activity = everything ? PhyghtTelemetry.ActivitySource.StartActivity("sweep change feed") : null;
        var after = Volatile.Read(ref _deliveredUpTo);
        var settledBefore = time.GetUtcNow() - Settle;
        long? upTo;
        await using (var scope = scopes.CreateAsyncScope())
        // Every 5 s: traced, the periodic read would bury every real trace in the dashboard (what it delivers is traced).
        using (everything ? null : OpenTelemetry.SuppressInstrumentationScope.Begin())
        {
            var feed = scope.ServiceProvider.GetRequiredService<PhyghtDbContext>().ChangeFeed.Where(c => c.Seq > after);
            upTo = await (everything ? feed : feed.Where(c => c.CreatedAt <= settledBefore)).MaxAsync(c => (long?)c.Seq, ct);
        }
        var recovered = new List<long>();
        if (upTo is { } last)
        {
            await DeliverUpToAsync(last, recovered, ct);
            activity?.SetTag("phyght.change.seq", last);
        }
        return recovered;
    }

    /// <summary>Delivers every change after the last delivered one up to <paramref name="upTo"/>, in seq order.</summary>
    private async Task DeliverUpToAsync(long upTo, List<long>? recovered, CancellationToken ct)
    {
        await _delivering.WaitAsync(ct);
        try
        {
            while (true)
            {
                var after = _deliveredUpTo;
                List<ChangeEvent> changes;
                await using (var scope = scopes.CreateAsyncScope())
                // Read before the change's trace is known (the row carries it): traced, every delivery on every instance
                // would add a trace of its own to the dashboard. The delivery is traced, in the change's trace.
                using (Activity.Current is null ? OpenTelemetry.SuppressInstrumentationScope.Begin() : null)
                {
                    changes = await scope.ServiceProvider.GetRequiredService<PhyghtDbContext>().ChangeFeed.AsNoTracking()
                        .Where(c => c.Seq > after && c.Seq <= upTo).OrderBy(c => c.Seq).Take(Page).ToListAsync(ct);
                }
                foreach (var change in changes)
                {
                    await DeliverAsync(change);
                    Volatile.Write(ref _deliveredUpTo, change.Seq);
                    recovered?.Add(change.Seq);
                }
                // Only rows read move the mark: a message naming a seq that is not in the feed (forged) stops nothing.
                if (changes.Count < Page)
                {
                    return;
                }
            }
        }
        finally
        {
            _delivering.Release();
        }
    }

    private async Task DeliverAsync(ChangeEvent change)
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
        try
        {
            var (message, isPublic) = VideoChangedMessage.From(change, responses);
            subscribers.Deliver(message, change.VideoId, isPublic, change.CreatedAt);
        }
        catch (Exception ex)
        {
            // Not the database (the row is read): retrying would stop every later change here behind this one.
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            logger.LogError(ex, "Change {Seq} of video {VideoId} could not be delivered and was skipped", change.Seq, change.VideoId);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await redis.GetSubscriber().UnsubscribeAsync(ChangePublisher.Channel);
        await base.StopAsync(cancellationToken);
    }
}
