namespace Phyght.AppHost.Hosting;

public static class DashboardExtensions
{
    /// <summary>Links the API's reference page and OpenAPI document in the dashboard.</summary>
    public static IResourceBuilder<ProjectResource> WithApiReferenceLinks(this IResourceBuilder<ProjectResource> api) =>
        api.WithUrls(context =>
        {
            if (context.Urls.FirstOrDefault(u => u.Endpoint?.EndpointName == "http") is { } http)
            {
                context.Urls.Add(new ResourceUrlAnnotation { Url = http.Url.TrimEnd('/') + "/scalar", DisplayText = "API reference" });
                context.Urls.Add(new ResourceUrlAnnotation { Url = http.Url.TrimEnd('/') + "/openapi/v1.json", DisplayText = "OpenAPI document" });
            }
        });

    /// <summary>A dashboard command that answers with the psql command line for the database.</summary>
    public static IResourceBuilder<PostgresExecutableDatabaseResource> WithPsqlHint(this IResourceBuilder<PostgresExecutableDatabaseResource> database) =>
        database.WithCommand("psql", "psql connection", async context =>
        {
            var server = database.Resource.Parent;
            var host = await server.PrimaryEndpoint.Property(EndpointProperty.IPV4Host).GetValueAsync(context.CancellationToken);
            var port = await server.PrimaryEndpoint.Property(EndpointProperty.Port).GetValueAsync(context.CancellationToken);
            var password = await server.PasswordParameter.GetValueAsync(context.CancellationToken);
            return CommandResults.Success(
                $"PGPASSWORD='{password}' psql -h {host} -p {port} -U {PostgresExecutableResource.SuperuserName} {database.Resource.DatabaseName}");
        }, new CommandOptions
        {
            Description = "Shows the psql command line that connects to this database.",
            IconName = "WindowConsole",
            UpdateState = EnabledWhileRunning,
        });

    /// <summary>A command's state: offered while its resource runs.</summary>
    public static ResourceCommandState EnabledWhileRunning(UpdateCommandStateContext context) =>
        context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled;
}
