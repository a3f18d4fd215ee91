using Microsoft.Extensions.Configuration;

namespace Phyght.AppHost.Hosting;

/// <summary>What an API instance connects to the database with: its own login for videos, sync and the change feed,
/// a second for accounts, and the migrator it waits for.</summary>
public sealed record ApiDatabase(
    IResourceBuilder<PostgresLoginResource> Login,
    IResourceBuilder<PostgresLoginResource> AccountsLogin,
    IResourceBuilder<ProjectResource> Migrations);

public static class ApiResourceExtensions
{
    /// <summary>An instance of the API with its servers, secrets and configuration.</summary>
    public static IResourceBuilder<ProjectResource> AddApi(
        this IDistributedApplicationBuilder builder,
        string name,
        ApiDatabase database,
        IResourceBuilder<RedisExecutableResource> redis,
        IResourceBuilder<AzuriteBlobsResource> blobs,
        ParameterResource jwtSigningKey)
    {
        var api = builder.AddProject<Projects.Phyght_Api>(name);
        return api
            .WithReference(database.Login, connectionName: "phyght")
            .WithReference(database.AccountsLogin, connectionName: "phyght-accounts")
            .WaitForCompletion(database.Migrations)
            .WithReference(redis).WaitFor(redis)
            .WithReference(blobs).WaitFor(blobs)
            .WithEnvironment("Auth__Jwt__SigningKey", ReferenceExpression.Create($"{jwtSigningKey}"))
            .WithBootstrapAdmin()
            .WithConfigurationSection("Auth:External")
            .WithConfigurationSection("Auth:SignIn")
            .WithConfigurationSection("Auth:Roles")
            .WithConfigurationSection("Api")
            .WithConfigurationSection("Sync")
            .WithConfigurationSection("ForwardedHeaders")
            .WithConfigurationSection("Catalog")
            .WithConfigurationSection("Realtime")
            .WithConfigurationSection("RateLimits")
            .WithConfigurationSection("Storage")
            .WithServiceDefaults()
            .WithApiReferenceLinks()
            .WithHttpHealthCheck("/health")
            // Where browsers reach this instance: the media links in responses point here.
            .WithEnvironment("Api__PublicUrl", api.GetEndpoint("http"));
    }

    /// <summary>
    /// With <c>Phyght:SecondApiInstance=true</c>, a second API instance (<c>api-b</c>) on a port of its own, so tests can
    /// drive the cross-instance paths (real-time fan-out, cache eviction, concurrent syncs) through a chosen instance.
    /// To scale the API for users, use <c>WithReplicas</c> behind the one port instead.
    /// </summary>
    public static void AddSecondApiInstanceIfConfigured(
        this IDistributedApplicationBuilder builder,
        ApiDatabase database,
        IResourceBuilder<RedisExecutableResource> redis,
        IResourceBuilder<AzuriteBlobsResource> blobs,
        ParameterResource jwtSigningKey)
    {
        if (builder.Configuration.GetValue<bool>("Phyght:SecondApiInstance"))
        {
            builder.AddApi("api-b", database, redis, blobs, jwtSigningKey)
                .WithEndpoint("http", endpoint => endpoint.Port = null);
        }
    }
}
