using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Phyght.Core.Data;
using StackExchange.Redis;

namespace Phyght.Core.Realtime;

/// <summary>Publishes committed outbox rows on Redis pub/sub, where every API instance picks them up. A message is a
/// row's seq only: each instance reads what it delivers from the change feed, so a message carries no authority (a
/// forged one names a row that exists, delivered once, or none). A row whose publish fails stays unpublished and is
/// sent again by the outbox drainer; subscribers de-duplicate by seq.</summary>
public sealed class ChangePublisher(
    IConnectionMultiplexer redis,
    PhyghtDbContext db,
    IEnumerable<IChangeListener> listeners,
    TimeProvider time,
    ILogger<ChangePublisher> logger)
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("phyght:changes");

    public async Task PublishAsync(IReadOnlyCollection<ChangeEvent> changes, CancellationToken ct)
    {
        if (changes.Count == 0)
        {
            return;
        }
        foreach (var change in changes)
        {
            foreach (var listener in listeners)
            {
                try
                {
                    await listener.OnCommittedAsync(change, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The change is committed; a listener's failure (e.g. the cache's Redis level is down) must not
                    // turn it into an error for the caller.
                    logger.LogWarning(ex, "{Listener} failed for change {Seq} of video {VideoId}", listener.GetType().Name, change.Seq, change.VideoId);
                }
            }
        }
        try
        {
            var subscriber = redis.GetSubscriber();
            foreach (var change in changes.OrderBy(c => c.Seq))
            {
                await subscriber.PublishAsync(Channel, change.Seq);
            }
            var seqs = changes.Select(c => c.Seq).ToList();
            var now = time.GetUtcNow();
            await db.ChangeFeed.Where(c => seqs.Contains(c.Seq)).ExecuteUpdateAsync(s => s.SetProperty(c => c.PublishedAt, now), ct);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            logger.LogWarning(ex, "Could not publish {Count} changes now; the outbox drainer will send them", changes.Count);
        }
    }
}
