using Microsoft.Extensions.Configuration;

namespace Phyght.AppHost.Hosting;

public static class SecretExtensions
{
    /// <summary>
    /// A secret parameter: the configured value (<c>Parameters:{name}</c>) when there is one, otherwise one generated
    /// on first start and kept in the data folder beside the data it guards. In a published manifest, a secret the
    /// deployment tool generates once per environment.
    /// </summary>
    /// <remarks>Not added to the model when running: like the PostgreSQL password it is a value the AppHost computes,
    /// not one the dashboard should ask for.</remarks>
    public static ParameterResource CreateGeneratedSecret(this IDistributedApplicationBuilder builder, string name, int bytes = 24)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            // Letters and digits only (they go inside connection strings), as many as base64 needs for the same
            // number of bytes: the API reads its signing key as base64 of at least 32 bytes.
            return builder.AddResource(ParameterResourceBuilderExtensions.CreateGeneratedParameter(builder, name, secret: true,
                new GenerateParameterDefault { MinLength = 4 * ((bytes + 2) / 3), Special = false })).Resource;
        }
        var configured = builder.Configuration[$"Parameters:{name}"];
        // Read or created now, once: resources resolve parameters concurrently, and two of them creating the file at
        // the same moment would each get a different secret.
        var value = string.IsNullOrEmpty(configured)
            ? DataFolder.ReadOrCreateSecret(DataFolder.Resolve(builder), $"{name}.secret", bytes)
            : configured;
        return new ParameterResource(name, _ => value, secret: true);
    }

    /// <summary>
    /// The API's first admin (<c>Auth:BootstrapAdmin:Email/Password</c>): taken from the AppHost's configuration when
    /// set, else <c>admin@phyght.local</c> with a generated password whose location the AppHost logs at start. The
    /// demo-catalogue command signs in as this admin.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithBootstrapAdmin(this IResourceBuilder<ProjectResource> api)
    {
        var builder = api.ApplicationBuilder;
        var email = builder.Configuration["Auth:BootstrapAdmin:Email"] ?? "admin@phyght.local";
        var configured = builder.Configuration["Auth:BootstrapAdmin:Password"];
        var password = configured is { Length: > 0 }
            ? new ParameterResource("admin-password", _ => configured, secret: true)
            : builder.CreateGeneratedSecret("admin-password");
        if (configured is not { Length: > 0 } && builder.ExecutionContext.IsRunMode)
        {
            var file = Path.Combine(DataFolder.Resolve(builder), "admin-password.secret");
            builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
            {
                e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Phyght.AppHost")
                    .LogInformation("First admin: {Email}, password in {PasswordFile} (set Auth__BootstrapAdmin__Password to choose one)", email, file);
                return Task.CompletedTask;
            });
        }
        return api
            .WithEnvironment("Auth__BootstrapAdmin__Email", email)
            .WithEnvironment("Auth__BootstrapAdmin__Password", ReferenceExpression.Create($"{password}"))
            .WithDemoCatalogCommand(email, password);
    }

    /// <summary>Passes the AppHost's <c>{section}</c> configuration on to a service (e.g. rate limits, storage limits).</summary>
    public static IResourceBuilder<ProjectResource> WithConfigurationSection(this IResourceBuilder<ProjectResource> project, string section)
    {
        foreach (var (key, value) in project.ApplicationBuilder.Configuration.GetSection(section).AsEnumerable())
        {
            if (value is not null)
            {
                project.WithEnvironment(key.Replace(":", "__"), value);
            }
        }
        return project;
    }
}
