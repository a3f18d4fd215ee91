namespace Phyght.AppHost.Hosting;

/// <summary>
/// A login role of one database, with a password of its own: what a service references instead of the superuser.
/// The AppHost creates it (or resets its password) before the database is marked Running; it holds no rights until
/// the migrations grant them. The <see cref="OwnsDatabase"/> login owns the database and its objects and is the one
/// that migrates.
/// </summary>
public sealed class PostgresLoginResource(string name, string roleName, ParameterResource password, PostgresExecutableDatabaseResource parent, bool ownsDatabase)
    : Resource(name), IResourceWithParent<PostgresExecutableDatabaseResource>, IResourceWithConnectionString
{
    public PostgresExecutableDatabaseResource Parent { get; } = parent;

    public string RoleName { get; } = roleName;

    public ParameterResource PasswordParameter { get; } = password;

    public bool OwnsDatabase { get; } = ownsDatabase;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{Parent.Parent.ConnectionStringFor(RoleName, PasswordParameter)};Database={Parent.DatabaseName}");
}
