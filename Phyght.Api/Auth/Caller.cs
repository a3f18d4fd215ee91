using Phyght.Core.Accounts;

namespace Phyght.Api.Auth;

/// <summary>Who is calling: the user id from the token, and the role the database gives that user (once per request,
/// through the instance's <see cref="RoleCache"/>).</summary>
public sealed class Caller(IHttpContextAccessor accessor, PhyghtDbContext db, RoleCache roles)
{
    private UserRole? _role;
    private bool _loaded;

    public Guid? UserId => accessor.HttpContext?.User.UserId();

    /// <summary>Null for anonymous callers and for tokens whose user has no profile.</summary>
    public async Task<UserRole?> RoleAsync(CancellationToken ct)
    {
        if (!_loaded)
        {
            _loaded = true;
            if (UserId is { } id)
            {
                _role = await roles.RoleOfAsync(id, () => db.RoleOfAsync(id, ct));
            }
        }
        return _role;
    }

    public async Task<bool> IsStaffAsync(CancellationToken ct) => VideoAccess.IsStaff(await RoleAsync(ct));
}
