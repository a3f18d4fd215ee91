using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Phyght.Api.Auth;

/// <summary>
/// Bearer tokens come from the built-in issuer or, when configured, an external one. The default scheme looks at the
/// token's unverified <c>iss</c> only to pick which scheme validates it.
/// </summary>
public static class AuthSchemes
{
    public const string Caller = "Caller";
    public const string Phyght = JwtBearerDefaults.AuthenticationScheme;
    public const string External = "External";

    private static readonly JsonWebTokenHandler Reader = new();

    public static string Select(HttpContext context)
    {
        var external = context.RequestServices.GetRequiredService<IOptions<ExternalIssuerOptions>>().Value;
        if (!external.IsEnabled || Token(context.Request) is not { } token || !Reader.CanReadToken(token))
        {
            return Phyght;
        }
        try
        {
            return Reader.ReadJsonWebToken(token).Issuer == external.Issuer ? External : Phyght;
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException)
        {
            return Phyght; // malformed: the built-in scheme refuses it with a 401
        }
    }

    /// <summary>Browsers cannot set headers on WebSockets: the hub alone takes the token from the query.</summary>
    public static string? QueryToken(HttpRequest request) =>
        request.Path.StartsWithSegments("/realtime") && request.Query["access_token"].FirstOrDefault() is { Length: > 0 } token
            ? token
            : null;

    private static string? Token(HttpRequest request) =>
        request.Headers.Authorization.FirstOrDefault() is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? header["Bearer ".Length..].Trim()
            : QueryToken(request);
}
