using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Phyght.AppHost.Hosting;

public static class PostgresExecutableBuilderExtensions
{
    private const string DefaultBinDirectory = "/usr/lib/postgresql/15/bin";
    private const string Install = "apt-get install -y postgresql";

    /// <summary>
    /// Adds a PostgreSQL server with its data under the data folder. <c>Phyght:Postgres:BinDirectory</c> overrides
    /// where <c>initdb</c> and <c>postgres</c> are found.
    /// </summary>
    public static IResourceBuilder<PostgresExecutableResource> AddPostgresExecutable(this IDistributedApplicationBuilder builder, string name)
    {
        var dataPath = DataFolder.Resolve(builder);
        var binDirectory = builder.Configuration["Phyght:Postgres:BinDirectory"] ?? DefaultBinDirectory;
        var postgres = ServerBinary.Find(Path.Combine(binDirectory, "postgres"));
        var passwordValue = DataFolder.ReadOrCreateSecret(dataPath, "postgres.password");
        var password = new ParameterResource($"{name}-password", _ => passwordValue, secret: true);
        var runAs = PostgresOsUser.ForCurrentProcess();
        var pgData = runAs.DataDirectoryFor(dataPath);

        var (command, prefix) = runAs.Wrap(postgres ?? Path.Combine(binDirectory, "postgres"));
        var resource = new PostgresExecutableResource(name, command, dataPath, password, pgData);

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddServerReadinessCheck(healthCheckKey, _ => new PostgresReadyCheck(resource));

        return builder.AddResource(resource)
            .WithServerEndpoint(PostgresExecutableResource.EndpointName, "tcp", "Phyght:Postgres:Port")
            .WithArgs(context =>
            {
                foreach (var arg in prefix)
                {
                    context.Args.Add(arg);
                }
                context.Args.Add("-D");
                context.Args.Add(pgData);
                context.Args.Add("-p");
                context.Args.Add(resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("-c");
                context.Args.Add("listen_addresses=127.0.0.1");
                // No Unix socket: only TCP through the endpoint, and no writes to /var/run/postgresql.
                context.Args.Add("-c");
                context.Args.Add("unix_socket_directories=");
                context.Args.Add("-c");
                context.Args.Add("max_connections=200");
            })
            .WithRequiredBinary(postgres, "postgres", Install)
            .OnBeforeResourceStarted(async (server, e, ct) =>
            {
                if (postgres is null)
                {
                    return;
                }
                var logger = e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(server);
                await runAs.InitializeClusterAsync(binDirectory, pgData, await password.GetValueAsync(ct) ?? "", logger, ct);
            })
            .WithHealthCheck(healthCheckKey)
            .WithIconName("Database");
    }

    /// <summary>Adds a database, Running once the migrations resource has created it with its logins
    /// (<see cref="ProvisioningExtensions.WithProvisioningOf"/>). Its own connection string is the superuser's, for
    /// operators and tests.</summary>
    public static IResourceBuilder<PostgresExecutableDatabaseResource> AddLocalDatabase(this IResourceBuilder<PostgresExecutableResource> server, string name, string? databaseName = null)
    {
        var database = new PostgresExecutableDatabaseResource(name, databaseName ?? name, server.Resource);
        var builder = server.ApplicationBuilder;

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddServerReadinessCheck(healthCheckKey, _ => new PostgresReadyCheck(database));

        return builder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [new("database", database.DatabaseName)],
            })
            .WithParentRelationship(server.Resource)
            .WithHealthCheck(healthCheckKey)
            .WithIconName("DatabaseStack");
    }

    private sealed class PostgresReadyCheck(IResourceWithConnectionString resource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
                var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 3 };
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy(ex.Message);
            }
        }
    }
}
