namespace Phyght.AppHost.Hosting;

/// <summary>A PostgreSQL server run from the Debian binaries as an executable resource.</summary>
public sealed class PostgresServerResource(string name, string command, string workingDirectory, ParameterResource password, string dataDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";
    public const string UserName = "postgres";

    public EndpointReference PrimaryEndpoint => field ??= new(this, EndpointName);

    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>The cluster's data directory (PGDATA).</summary>
    public string DataDirectory { get; } = dataDirectory;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.IPV4Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username={UserName};Password={PasswordParameter}");

    internal ReferenceExpression ConnectionStringFor(string database) => ReferenceExpression.Create(
        $"{ConnectionStringExpression};Database={database}");
}

/// <summary>One database on a <see cref="PostgresServerResource"/>; Running once it exists.</summary>
public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource parent)
    : Resource(name), IResourceWithParent<PostgresServerResource>, IResourceWithConnectionString
{
    public PostgresServerResource Parent { get; } = parent;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression => Parent.ConnectionStringFor(DatabaseName);
}
