using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;
using Npgsql;
using Phyght.Core;
using Phyght.Core.Data;

namespace Phyght.Migrations;

/// <summary>Provisions the database and its logins, applies pending migrations once and stops the process: exit code 0
/// when the schema is current, 1 when it could not be brought up to date (the services waiting on this resource then
/// do not start).</summary>
public sealed class SchemaMigrator(
    IServiceProvider services,
    IConfiguration configuration,
    IOptions<ProvisioningOptions> provisioning,
    IHostApplicationLifetime lifetime,
    ILogger<SchemaMigrator> logger) : BackgroundService
{
    /// <summary>The server's superuser: used for provisioning only, never for the schema.</summary>
    public const string SuperuserConnectionName = "postgres";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var activity = PhyghtTelemetry.ActivitySource.StartActivity("database.migrate");
        try
        {
            var superuser = configuration.GetConnectionString(SuperuserConnectionName)
                ?? throw new InvalidOperationException($"ConnectionStrings:{SuperuserConnectionName} (the server's superuser) is not set.");
            using (PhyghtTelemetry.ActivitySource.StartActivity("database.provision"))
            {
                await DatabaseProvisioner.EnsureDatabaseAsync(superuser, provisioning.Value, stoppingToken);
            }
            logger.LogInformation("Database {Database} and its logins {Logins} are provisioned",
                provisioning.Value.Database, string.Join(", ", provisioning.Value.Logins.Select(l => l.Role)));

            var applied = await IsCurrentAsync(stoppingToken) ? [] : await ApplyPendingMigrationsAsync(stoppingToken);
            activity?.SetTag("phyght.migrations.applied", applied.Count);
            logger.LogInformation("Database schema is up to date ({Applied} migrations applied: {Migrations})",
                applied.Count, applied.Count == 0 ? "none" : string.Join(", ", applied));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            logger.LogCritical(ex, "The database schema could not be brought up to date");
            Environment.ExitCode = 1;
        }
        lifetime.StopApplication();
    }

    private async Task<bool> IsCurrentAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(configuration.GetConnectionString(ResourceNames.Database));
        await connection.OpenAsync(ct);
        return await SchemaHistory.IsCurrentAsync(connection, ct);
    }

    private async Task<IReadOnlyList<string>> ApplyPendingMigrationsAsync(CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PhyghtDbContext>();
        await db.Database.OpenConnectionAsync(ct);
        // A second migrator started by hand waits for this one, then finds nothing to do.
        await db.AdvisoryLockAsync(AdvisoryLocks.Migrations, ct);
        // On an empty database EF first reads the history table, fails, and logs that failure as an error: the
        // first thing an operator saw in the dashboard was a red badge. Creating the table first avoids it.
        await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(ct);
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        await db.Database.MigrateAsync(ct);
        return pending;
    }
}
