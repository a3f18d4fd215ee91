using System.Security.Claims;

namespace Phyght.Api.Auth;

public static class ClaimsPrincipalExtensions
{
    /// <summary>The local user id a validated token names in <c>sub</c> (an external issuer's subject is mapped to one
    /// when its token is validated); null for anonymous callers.</summary>
    public static Guid? UserId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue("sub"), out var id) ? id : null;
}
