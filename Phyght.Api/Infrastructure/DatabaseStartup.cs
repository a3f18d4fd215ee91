using Phyght.Api.Auth;

namespace Phyght.Api.Infrastructure;

public static class DatabaseStartup
{
    /// <summary>
    /// Applies migrations (EF Core takes a database lock, so API instances starting together migrate once), then
    /// creates the bootstrap admin on an empty database.
    /// </summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        using var scope = app.Services.CreateScope();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("Phyght.Api.Database");
        using var activity = PhyghtTelemetry.ActivitySource.StartActivity("database.migrate");
        var db = scope.ServiceProvider.GetRequiredService<PhyghtDbContext>();
        await db.Database.MigrateAsync();
        logger.LogInformation("Database schema is up to date");
        await scope.ServiceProvider.GetRequiredService<BootstrapAdmin>().EnsureAsync(CancellationToken.None);
    }
}
