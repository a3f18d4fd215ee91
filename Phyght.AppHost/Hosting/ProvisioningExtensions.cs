namespace Phyght.AppHost.Hosting;

public static class ProvisioningExtensions
{
    /// <summary>
    /// Makes <paramref name="migrations"/> the one process that holds the superuser: it creates the database and every
    /// login of <paramref name="database"/> (passwords passed here), then migrates as the owner login. The database
    /// and its logins show Running once it has exited successfully.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithProvisioningOf(this IResourceBuilder<ProjectResource> migrations, PhyghtDatabase database)
    {
        var builder = migrations.ApplicationBuilder;
        var owner = database.Logins.Single(l => l.OwnsDatabase);
        migrations
            .WithReference(database.Server, connectionName: "postgres")
            .WithReference(builder.CreateResourceBuilder(owner), connectionName: "phyght")
            .WaitFor(database.Server)
            .WithEnvironment("Provisioning__Database", database.DatabaseName);
        for (var i = 0; i < database.Logins.Count; i++)
        {
            var login = database.Logins[i];
            migrations
                .WithEnvironment($"Provisioning__Logins__{i}__Role", login.RoleName)
                .WithEnvironment($"Provisioning__Logins__{i}__Password", ReferenceExpression.Create($"{login.PasswordParameter}"))
                .WithEnvironment($"Provisioning__Logins__{i}__OwnsDatabase", login.OwnsDatabase ? "true" : "false");
        }
        return migrations.OnResourceStopped(async (_, e, _) =>
        {
            if (e.ResourceEvent.Snapshot.ExitCode != 0)
            {
                return;
            }
            // The database exists from here on: its health check starts now rather than failing until it does.
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            var provisioned = database.Parent is PostgresExecutableDatabaseResource ? database.Logins.Cast<IResource>().Prepend(database.Parent) : database.Logins;
            foreach (var resource in provisioned)
            {
                await notifications.PublishUpdateAsync(resource, s => s with { State = KnownResourceStates.Running, StartTimeStamp = DateTime.UtcNow });
            }
        });
    }
}
