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
        IResourceBuilder<IResourceWithConnectionString> redis,
        IResourceBuilder<IResourceWithConnectionString> blobs,
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
            .WithOptimizedCodeFromTheStart()
            .WithApiReferenceLinks()
            .WithHttpHealthCheck("/health")
            .WithDirectEndpointWhenRunning()
            .WithPublicUrl();
    }

    /// <summary>
    /// Hot methods go from their precompiled code to optimized code in one step, without waiting for start-up to look
    /// finished. By default the runtime puts off call counting while new methods keep appearing, then compiles each hot
    /// method twice (instrumented, then optimized). On two shared cores under load, the API's uncached pages were still
    /// getting faster a minute after a start (2.9 → 1.5 ms of CPU per request); with these they are steady from 20–30 s
    /// (0.6–0.8 ms, docs/benchmarks.md, sixteenth session). Only the API: the short-lived migrator, given them too,
    /// made a cold start about 5 s slower, compiling optimized code for methods it would not call again.
    /// </summary>
    private static IResourceBuilder<ProjectResource> WithOptimizedCodeFromTheStart(this IResourceBuilder<ProjectResource> api) =>
        api.WithEnvironment("DOTNET_TieredPGO", "0").WithEnvironment("DOTNET_TC_CallCountingDelayMs", "0");

    /// <summary>
    /// Running, one API process listens on its address itself: DCP's proxy in front of it took 44 % of an uncached
    /// page's throughput (720 against 1,289 req/s on its own port, docs/benchmarks.md). A proxy is only needed for
    /// replicas, which only a published API has. Under a test host, which randomizes ports, the port is allocated.
    /// </summary>
    private static IResourceBuilder<ProjectResource> WithDirectEndpointWhenRunning(this IResourceBuilder<ProjectResource> api)
    {
        if (api.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            return api;
        }
        var randomizePorts = api.ApplicationBuilder.Configuration.GetValue<bool>("DcpPublisher:RandomizePorts");
        return api.WithEndpoint("http", endpoint =>
        {
            endpoint.IsProxied = false;
            if (randomizePorts)
            {
                endpoint.Port = null;
            }
        });
    }

    /// <summary>Where browsers reach the API: the media links in responses point here. Running, this instance's own
    /// endpoint; published, the external address the operator gives (<c>api-public-url</c>).</summary>
    private static IResourceBuilder<ProjectResource> WithPublicUrl(this IResourceBuilder<ProjectResource> api)
    {
        if (!api.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            return api.WithEnvironment("Api__PublicUrl", api.GetEndpoint("http"));
        }
        var publicUrl = api.ApplicationBuilder.AddParameter("api-public-url");
        return api.WithEnvironment("Api__PublicUrl", publicUrl).WithExternalHttpEndpoints();
    }

    /// <summary>
    /// With <c>Phyght:ExtraApiInstances=N</c>, N more API instances (<c>api-b</c>, <c>api-c</c>, …) on ports of their
    /// own, so tests can drive the cross-instance paths (real-time fan-out, cache eviction, concurrent syncs) through a
    /// chosen instance. Users scale the API with replicas behind one address instead (the published manifest does).
    /// </summary>
    public static void AddExtraApiInstancesIfConfigured(
        this IDistributedApplicationBuilder builder,
        ApiDatabase database,
        IResourceBuilder<IResourceWithConnectionString> redis,
        IResourceBuilder<IResourceWithConnectionString> blobs,
        ParameterResource jwtSigningKey)
    {
        var extra = builder.Configuration.GetValue<int>("Phyght:ExtraApiInstances");
        for (var i = 0; i < extra; i++)
        {
            builder.AddApi($"api-{(char)('b' + i)}", database, redis, blobs, jwtSigningKey)
                .WithEndpoint("http", endpoint => endpoint.Port = null);
        }
    }

    /// <summary>Published, each service runs as several replicas, each probed on its health endpoints.</summary>
    public static IResourceBuilder<ProjectResource> WithReplicasWhenPublished(this IResourceBuilder<ProjectResource> project, int replicas)
    {
        if (!project.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            return project;
        }
#pragma warning disable ASPIREPROBES001 // Probes are read by the Kubernetes and Container Apps publishers.
        // Annotations rather than WithHttpProbe: the health checks these paths answer are declared already.
        var http = project.GetEndpoint("http");
        return project.WithReplicas(replicas)
            .WithAnnotation(new EndpointProbeAnnotation { Type = ProbeType.Liveness, EndpointReference = http, Path = "/alive" })
            .WithAnnotation(new EndpointProbeAnnotation { Type = ProbeType.Readiness, EndpointReference = http, Path = "/health" });
#pragma warning restore ASPIREPROBES001
    }
}
