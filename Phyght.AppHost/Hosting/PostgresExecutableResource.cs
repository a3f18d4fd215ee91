namespace Phyght.AppHost.Hosting;

/// <summary>A PostgreSQL server run from the Debian binaries as an executable resource. Its connection string is the
/// superuser's: only the migrations resource (which creates the database and its logins) and an operator use it.</summary>
public sealed class PostgresExecutableResource(string name, string command, string workingDirectory, ParameterResource password, string dataDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";
    public const string SuperuserName = "postgres";

    public EndpointReference PrimaryEndpoint => field ??= new(this, EndpointName);

    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>The cluster's data directory (PGDATA).</summary>
    public string DataDirectory { get; } = dataDirectory;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.IPV4Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username={SuperuserName};Password={PasswordParameter}");
}

/// <summary>One database on a <see cref="PostgresExecutableResource"/>.</summary>
public sealed class PostgresExecutableDatabaseResource(string name, string databaseName, PostgresExecutableResource parent)
    : Resource(name), IResourceWithParent<PostgresExecutableResource>, IResourceWithConnectionString
{
    public PostgresExecutableResource Parent { get; } = parent;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{Parent.ConnectionStringExpression};Database={DatabaseName}");
}
