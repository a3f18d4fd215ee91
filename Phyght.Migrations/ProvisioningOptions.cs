namespace Phyght.Migrations;

/// <summary><c>Provisioning</c>: the database and the logins the AppHost declares, created or updated as the server's
/// superuser (<c>ConnectionStrings:postgres</c>) before the schema is migrated.</summary>
public sealed class ProvisioningOptions
{
    public const string Section = "Provisioning";

    public string Database { get; set; } = "";

    public List<LoginOptions> Logins { get; set; } = [];

    public sealed class LoginOptions
    {
        public string Role { get; set; } = "";
        public string Password { get; set; } = "";
        /// <summary>Owns the database and every object in it: the login this process migrates with.</summary>
        public bool OwnsDatabase { get; set; }
    }

    public bool IsValid(out string problem)
    {
        problem = Database.Length == 0 ? "Provisioning:Database is not set"
            : Logins.Count == 0 ? "Provisioning:Logins is empty"
            : Logins.Any(l => l.Role.Length == 0 || l.Password.Length == 0) ? "every Provisioning:Logins entry needs a Role and a Password"
            : Logins.Count(l => l.OwnsDatabase) != 1 ? "exactly one Provisioning:Logins entry must own the database"
            : "";
        return problem.Length == 0;
    }
}
