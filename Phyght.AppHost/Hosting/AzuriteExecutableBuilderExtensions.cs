using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Phyght.AppHost.Hosting;

public static class AzuriteExecutableBuilderExtensions
{
    private const string Install = "npm ci (at the repo root; installs the pinned azurite package)";

    /// <summary>Adds Azurite's blob service from the repo's <c>node_modules</c>, its data under the data folder.</summary>
    public static IResourceBuilder<AzuriteExecutableResource> AddAzuriteExecutable(this IDistributedApplicationBuilder builder, string name)
    {
        var dataPath = DataFolder.Resolve(builder);
        var azuriteData = Directory.CreateDirectory(Path.Combine(dataPath, "azurite")).FullName;
        var repoRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
        var script = builder.Configuration["Phyght:Azurite:Script"]
            ?? Path.Combine(repoRoot, "node_modules", "azurite", "dist", "src", "blob", "main.js");
        var node = ServerBinary.Find("node");
        var resource = new AzuriteExecutableResource(name, node ?? "node", azuriteData);

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHttpClient(healthCheckKey);
        builder.Services.AddHealthChecks().AddServerReadinessCheck(healthCheckKey,
            sp => new AzuriteUpCheck(resource, sp.GetRequiredService<IHttpClientFactory>().CreateClient(healthCheckKey)));

        return builder.AddResource(resource)
            .WithServerEndpoint(AzuriteExecutableResource.BlobEndpointName, "http", "Phyght:Azurite:Port")
            .WithArgs(context =>
            {
                context.Args.Add(script);
                context.Args.Add("--blobHost");
                context.Args.Add("127.0.0.1");
                context.Args.Add("--blobPort");
                context.Args.Add(resource.BlobEndpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("--location");
                context.Args.Add(azuriteData);
                context.Args.Add("--disableTelemetry");
                context.Args.Add("--skipApiVersionCheck");
                context.Args.Add("--loose");
            })
            .WithRequiredBinary(node is not null && File.Exists(script) ? node : null, script, Install)
            .WithHealthCheck(healthCheckKey)
            .WithIconName("Storage");
    }

    /// <summary>The blob service as a connection-string resource; Running once Azurite is healthy.</summary>
    public static IResourceBuilder<AzuriteBlobsResource> AddBlobs(this IResourceBuilder<AzuriteExecutableResource> azurite, string name)
    {
        var blobs = new AzuriteBlobsResource(name, azurite.Resource);
        azurite.OnResourceReady(async (_, e, ct) =>
        {
            await AllowBrowserUploadsAsync(azurite.Resource, ct);
            await e.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(blobs, s => s with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            });
        });

        return azurite.ApplicationBuilder.AddResource(blobs)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "AzuriteBlobs",
                State = KnownResourceStates.Waiting,
                Properties = [],
            })
            .WithParentRelationship(azurite.Resource)
            .WithIconName("Folder");
    }

    /// <summary>A page's direct upload (api.md) sends its blocks from the browser to the SAS URL: the emulator answers
    /// CORS preflights from any origin for the methods a SAS upload and a video element use. The SAS is what
    /// authorizes; a storage account in production gets the frontends' origins instead (docs/deploy.md).</summary>
    private static async Task AllowBrowserUploadsAsync(AzuriteExecutableResource azurite, CancellationToken ct)
    {
        var service = new BlobServiceClient(await azurite.BlobConnectionString.GetValueAsync(ct));
        var properties = (await service.GetPropertiesAsync(ct)).Value;
        properties.Cors = [new BlobCorsRule
        {
            AllowedOrigins = "*",
            AllowedMethods = "GET,HEAD,PUT",
            AllowedHeaders = "*",
            ExposedHeaders = "*",
            MaxAgeInSeconds = 3600,
        }];
        await service.SetPropertiesAsync(properties, ct);
    }

    /// <summary>Azurite answers a bare <c>GET /</c> with 400 once it listens.</summary>
    private sealed class AzuriteUpCheck(AzuriteExecutableResource resource, HttpClient http) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var url = await resource.BlobEndpoint.Property(EndpointProperty.Url).GetValueAsync(cancellationToken);
                using var response = await http.GetAsync(url, cancellationToken);
                return (int)response.StatusCode < 500
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy($"Azurite answered {(int)response.StatusCode}");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy(ex.Message);
            }
        }
    }
}
