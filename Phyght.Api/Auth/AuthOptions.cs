using System.Text;

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

/// <summary>
/// <c>Auth:External</c>: tokens of another issuer (Supabase Auth, Keycloak, ...) accepted beside the built-in ones,
/// chosen by their <c>iss</c>. Either <see cref="Authority"/> (OpenID Connect discovery finds the keys) or
/// <see cref="SigningKey"/> (a shared HS256 secret, e.g. Supabase's JWT secret). Off while <see cref="Issuer"/> is empty.
/// </summary>
public sealed class ExternalIssuerOptions
{
    public const string Section = "Auth:External";

    public string? Issuer { get; set; }
    public string? Audience { get; set; }
    public string? Authority { get; set; }
    public bool RequireHttpsMetadata { get; set; } = true;
    /// <summary>The shared secret as the issuer shows it; its UTF-8 bytes are the HMAC key.</summary>
    public string? SigningKey { get; set; }

    public bool IsEnabled => !string.IsNullOrEmpty(Issuer);

    public bool IsValid => !IsEnabled
        || (!string.IsNullOrEmpty(Audience) && (!string.IsNullOrEmpty(Authority) || Encoding.UTF8.GetByteCount(SigningKey ?? "") >= 32));
}
