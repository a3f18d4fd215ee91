using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The Azure Blob client in the shape of an Aspire client integration (Aspire.Azure.Storage.Blobs is not served here):
/// reads <c>ConnectionStrings:{name}</c>, registers a singleton <see cref="BlobServiceClient"/> and a health check.
/// Tracing comes from the Azure SDK's own activity sources, enabled in <see cref="Extensions.ConfigureOpenTelemetry{TBuilder}"/>.
/// </summary>
public static class BlobServiceClientExtensions
{
    public static TBuilder AddBlobServiceClient<TBuilder>(this TBuilder builder, string connectionName) where TBuilder : IHostApplicationBuilder
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException(
                $"ConnectionStrings:{connectionName} is not set; run the service through the AppHost (dotnet run --project Phyght.AppHost).");

        // Azure SDK activities are still experimental and must be switched on explicitly.
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);
        builder.Services.AddSingleton(_ => new BlobServiceClient(connectionString));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            connectionName,
            sp => new BlobServiceHealthCheck(sp.GetRequiredService<BlobServiceClient>()),
            HealthStatus.Unhealthy,
            ["ready", "storage"]));
        return builder;
    }

    private sealed class BlobServiceHealthCheck(BlobServiceClient client) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await client.GetPropertiesAsync(cancellationToken);
                return HealthCheckResult.Healthy("Blob storage answers.");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy("Blob storage does not answer.", ex);
            }
        }
    }
}
