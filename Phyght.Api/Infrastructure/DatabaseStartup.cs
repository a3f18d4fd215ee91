using Microsoft.EntityFrameworkCore.Infrastructure;
using Phyght.Api.Auth;

namespace Phyght.Api.Infrastructure;

public static class DatabaseStartup
{
    /// <summary>
    /// Applies migrations under a PostgreSQL advisory lock, so API instances starting together migrate once (the
    /// others wait, then find nothing to do), then creates the bootstrap admin on an empty database.
    /// </summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        using var scope = app.Services.CreateScope();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("Phyght.Api.Database");
        using var activity = PhyghtTelemetry.ActivitySource.StartActivity("database.migrate");
        var db = scope.ServiceProvider.GetRequiredService<PhyghtDbContext>();
        await db.Database.OpenConnectionAsync();
        try
        {
            await db.AdvisoryLockAsync(AdvisoryLocks.Migrations, CancellationToken.None);
            // On an empty database EF first reads the history table, fails, and logs that failure as an error: the
            // first thing an operator saw in the dashboard was a red badge. Creating the table first avoids it.
            await db.GetService<Microsoft.EntityFrameworkCore.Migrations.IHistoryRepository>().CreateIfNotExistsAsync();
            await db.Database.MigrateAsync();
            await db.AdvisoryUnlockAsync(AdvisoryLocks.Migrations, CancellationToken.None);
            // This connection may have loaded the database's types before another instance's migration created the
            // enums (video_status, user_role); without a reload, reading them fails on this instance.
            await ((Npgsql.NpgsqlConnection)db.Database.GetDbConnection()).ReloadTypesAsync();
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        logger.LogInformation("Database schema is up to date");
        await scope.ServiceProvider.GetRequiredService<BootstrapAdmin>().EnsureAsync(CancellationToken.None);
    }
}
