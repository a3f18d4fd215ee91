using Phyght.Core.Realtime;

namespace Phyght.Api.Realtime;

/// <summary>Publishes outbox rows that were committed but not published (a process died, or Redis was down).
/// Instances share the work through FOR UPDATE SKIP LOCKED.</summary>
public sealed class OutboxDrainer(IServiceScopeFactory scopes, TimeProvider time, ILogger<OutboxDrainer> logger) : BackgroundService
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<PhyghtDbContext>();
                Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction;
                List<ChangeEvent> pending;
                // The poll runs every second: traced, its statements would bury every real trace in the dashboard. A
                // drain that finds changes to send is traced.
                using (OpenTelemetry.SuppressInstrumentationScope.Begin())
                {
                    transaction = await db.Database.BeginTransactionAsync(stoppingToken);
                    pending = await db.LockUnpublishedChangesAsync(time.GetUtcNow() - Grace, 200, stoppingToken);
                }
                await using (transaction)
                {
                    if (pending.Count > 0)
                    {
                        using var activity = PhyghtTelemetry.ActivitySource.StartActivity("drain outbox");
                        activity?.SetTag("phyght.change.seq", pending[^1].Seq);
                        await scope.ServiceProvider.GetRequiredService<ChangePublisher>().PublishAsync(pending, stoppingToken);
                        logger.LogInformation("Outbox: published {Count} changes that had not been sent (up to seq {Seq})", pending.Count, pending[^1].Seq);
                    }
                    await transaction.CommitAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Outbox drain failed; retrying");
            }
        }
    }
}
