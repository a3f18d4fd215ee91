namespace Phyght.AppHost.Hosting;

/// <summary>
/// A login role of one database, with a password of its own: what a service references instead of the superuser.
/// The migrations resource creates it (or resets its password) before it migrates; it holds no rights until the
/// migrations grant them. The <see cref="OwnsDatabase"/> login owns the database and its objects and is the one that
/// migrates.
/// </summary>
public sealed class PostgresLoginResource(
    string name, string roleName, ParameterResource password, EndpointReference server, string databaseName, IResource parent, bool ownsDatabase)
    : Resource(name), IResourceWithParent<IResource>, IResourceWithConnectionString
{
    /// <summary>The database (run mode) or the server (publish mode) the login belongs to.</summary>
    public IResource Parent { get; } = parent;

    public string RoleName { get; } = roleName;

    public ParameterResource PasswordParameter { get; } = password;

    public string DatabaseName { get; } = databaseName;

    public bool OwnsDatabase { get; } = ownsDatabase;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={server.Property(EndpointProperty.IPV4Host)};Port={server.Property(EndpointProperty.Port)};Username={RoleName};Password={PasswordParameter};Database={DatabaseName}");
}
