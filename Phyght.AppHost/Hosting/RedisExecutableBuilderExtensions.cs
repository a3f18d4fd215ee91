using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Phyght.AppHost.Hosting;

public static class RedisExecutableBuilderExtensions
{
    private const string Install = "apt-get install -y redis-server";

    /// <summary>Adds a redis-server with append-only persistence under the data folder, behind a password.</summary>
    public static IResourceBuilder<RedisExecutableResource> AddRedisExecutable(this IDistributedApplicationBuilder builder, string name)
    {
        var dataPath = DataFolder.Resolve(builder);
        var redisData = Directory.CreateDirectory(Path.Combine(dataPath, "redis")).FullName;
        var binary = builder.Configuration["Phyght:Redis:Command"] ?? "redis-server";
        var redisServer = ServerBinary.Find(binary);
        // The password is read from a file only the AppHost's user can read, not the command line every process sees.
        var passwordValue = DataFolder.ReadOrCreateSecret(dataPath, "redis.password");
        var password = new ParameterResource($"{name}-password", _ => passwordValue, secret: true);
        var configFile = Path.Combine(redisData, "redis.conf");
        File.Delete(configFile);
        DataFolder.WritePrivateFileAsync(configFile, $"requirepass {passwordValue}\n", CancellationToken.None).GetAwaiter().GetResult();
        var resource = new RedisExecutableResource(name, redisServer ?? binary, redisData, password);

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddServerReadinessCheck(healthCheckKey, _ => new RedisPingCheck(resource));

        return builder.AddResource(resource)
            .WithServerEndpoint(RedisExecutableResource.EndpointName, "tcp", "Phyght:Redis:Port")
            .WithArgs(context =>
            {
                context.Args.Add(configFile);
                context.Args.Add("--port");
                context.Args.Add(resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("--bind");
                context.Args.Add("127.0.0.1");
                context.Args.Add("--dir");
                context.Args.Add(redisData);
                context.Args.Add("--appendonly");
                context.Args.Add("yes");
                context.Args.Add("--save");
                context.Args.Add("");
                context.Args.Add("--daemonize");
                context.Args.Add("no");
            })
            .WithRequiredBinary(redisServer, binary, Install)
            .WithHealthCheck(healthCheckKey)
            .WithIconName("Memory");
    }

    private sealed class RedisPingCheck(RedisExecutableResource resource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
                var options = ConfigurationOptions.Parse(connectionString!);
                options.AbortOnConnectFail = true;
                options.ConnectTimeout = 2000;
                await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
                await connection.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy(ex.Message);
            }
        }
    }
}
