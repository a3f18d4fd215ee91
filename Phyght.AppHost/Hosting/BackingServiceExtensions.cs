namespace Phyght.AppHost.Hosting;

/// <summary>
/// Where the backing services come from. When the AppHost runs: this machine's PostgreSQL, Redis and Azurite, their data
/// under the data folder. When it publishes a manifest: Aspire's PostgreSQL and Redis containers and the connection
/// string of a real storage account, so nothing in the manifest names this machine (docs/deploy.md).
/// </summary>
public static class BackingServiceExtensions
{
    public static PhyghtDatabase AddPhyghtDatabase(this IDistributedApplicationBuilder builder, string serverName, string databaseName)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            var container = builder.AddPostgres(serverName).WithDataVolume();
            return new PhyghtDatabase(builder, container, container.Resource.PrimaryEndpoint, container.Resource, databaseName);
        }
        var server = builder.AddPostgresExecutable(serverName);
        var database = server.AddLocalDatabase(databaseName).WithPsqlHint();
        return new PhyghtDatabase(builder, server, server.Resource.PrimaryEndpoint, database.Resource, databaseName);
    }

    public static IResourceBuilder<IResourceWithConnectionString> AddPhyghtRedis(this IDistributedApplicationBuilder builder, string name) =>
        builder.ExecutionContext.IsPublishMode ? builder.AddRedis(name) : builder.AddRedisExecutable(name);

    public static IResourceBuilder<IResourceWithConnectionString> AddPhyghtBlobs(this IDistributedApplicationBuilder builder, string storageName, string blobsName) =>
        builder.ExecutionContext.IsPublishMode
            ? builder.AddConnectionString(blobsName)
            : builder.AddAzuriteExecutable(storageName).AddBlobs(blobsName);
}
