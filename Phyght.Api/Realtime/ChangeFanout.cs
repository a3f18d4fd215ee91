using System.Diagnostics;
using Phyght.Api.Videos;
using Phyght.Core.Realtime;
using StackExchange.Redis;

namespace Phyght.Api.Realtime;

/// <summary>Every API instance subscribes to the change channel on Redis and delivers each event, read from the
/// change feed by the seq the message names, to its own connections. Pub/sub forgets what it sent while a subscriber was away, so when the Redis connection comes back
/// this instance catches up from the change feed past the last seq it delivered (clients de-duplicate by seq).</summary>
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
        redis.ConnectionRestored += (_, _) => _ = CatchUpAsync();
        var queue = await redis.GetSubscriber().SubscribeAsync(ChangePublisher.Channel);
        queue.OnMessage(async message =>
        {
            try
            {
                if (long.TryParse(message.Message.ToString(), out var seq) && !_delivered.ContainsKey(seq))
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await DeliverAsync(await scope.ServiceProvider.GetRequiredService<PhyghtDbContext>().ChangeFeed.AsNoTracking()
                        .SingleOrDefaultAsync(c => c.Seq == seq));
                }
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Could not deliver a change event");
            }
        });
    }

    /// <summary>
    /// Events published while Redis was away, read from the change feed. Seqs are handed out in commit order
    /// (<see cref="Phyght.Core.Videos.VideoWriter"/>), so reading after a seq misses nothing committed later; the read
    /// starts <see cref="InFlightMargin"/> seqs before the highest this instance delivered, for events that were still on
    /// their way through Redis when it went (those already delivered are skipped). Retried while the database is away.
    /// </summary>
    private async Task CatchUpAsync()
    {
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
            catch (Exception ex) when (attempt < 5)
            {
                logger.LogWarning(ex, "Could not catch up from the change feed (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromSeconds(attempt));
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Could not catch up from the change feed after {Attempts} attempts", attempt);
                return;
            }
        }
    }

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

        // Changes made by other instances (or the worker) reach this instance's cache here.
        await cache.EvictAsync(change.VideoId);
        var (message, isPublic) = VideoChangedMessage.From(change, responses);
        subscribers.Deliver(message, change.VideoId, isPublic, change.CreatedAt);
        return true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => redis.GetSubscriber().UnsubscribeAsync(ChangePublisher.Channel);
}
