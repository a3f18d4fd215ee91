namespace Phyght.Api.Auth;

/// <summary><c>Auth:Jwt</c>: the built-in token issuer. The signing key comes from configuration (the AppHost
/// generates one per data folder); none is in the repo.</summary>
public sealed class JwtOptions
{
    public const string Section = "Auth:Jwt";

    public string Issuer { get; set; } = "phyght";
    public string Audience { get; set; } = "phyght-api";
    /// <summary>Base64, at least 32 bytes.</summary>
    public string SigningKey { get; set; } = "";
    public int AccessTokenMinutes { get; set; } = 15;
    public int RefreshTokenDays { get; set; } = 30;
}

/// <summary><c>Auth:BootstrapAdmin</c>: the first admin, created on a database that has none.</summary>
public sealed class BootstrapAdminOptions
{
    public const string Section = "Auth:BootstrapAdmin";

    public string? Email { get; set; }
    public string? Password { get; set; }
    public string Username { get; set; } = "admin";
}
