using Phyght.Core.Videos;
using StackExchange.Redis;

namespace Phyght.Api.Realtime;

/// <summary>
/// A role change reaches every instance's real-time connections: the endpoint that changes a role publishes the user's
/// id on Redis after its commit (and applies it on its own instance first), and each instance re-reads that user's role from the database (the message carries
/// no authority) and applies it to the user's open connections at once. Pub/sub forgets what it sent while an instance
/// was away, so when Redis comes back the instance re-reads the role of every user it has connected.
/// </summary>
public sealed class RoleChanges(
    IConnectionMultiplexer redis,
    IServiceScopeFactory scopes,
    Subscribers subscribers,
    Auth.RoleCache roles,
    ILogger<RoleChanges> logger) : IHostedService
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("phyght:roles");

    /// <summary>After the commit: this instance's connections of the user at once (before the endpoint answers), every
    /// other instance's through Redis; with Redis down, they re-read every role when it is back.</summary>
    public async Task AnnounceAsync(Guid userId)
    {
        await ReauthorizeAsync([userId]);
        try
        {
            await redis.GetSubscriber().PublishAsync(Channel, userId.ToString());
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning(ex, "Could not announce the role change of user {UserId}; instances re-read roles when Redis is back", userId);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionRestored += (_, _) =>
        {
            roles.ForgetAll();
            _ = ReauthorizeAsync(subscribers.ConnectedUsers());
        };
        var queue = await redis.GetSubscriber().SubscribeAsync(Channel);
        queue.OnMessage(message => Guid.TryParse(message.Message.ToString(), out var user) ? ReauthorizeAsync([user]) : Task.CompletedTask);
    }

    private async Task ReauthorizeAsync(IReadOnlyCollection<Guid> users)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PhyghtDbContext>();
            foreach (var user in users)
            {
                roles.Forget(user);
                var staff = VideoAccess.IsStaff(await db.RoleOfAsync(user, CancellationToken.None));
                var changed = subscribers.SetStaff(user, staff);
                if (changed > 0)
                {
                    logger.LogInformation("Role of user {UserId} re-read: {Connections} real-time connections now {Access}",
                        user, changed, staff ? "see drafts" : "see published videos only");
                }
            }
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not re-read the roles of {Count} connected users", users.Count);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => redis.GetSubscriber().UnsubscribeAsync(Channel);
}
