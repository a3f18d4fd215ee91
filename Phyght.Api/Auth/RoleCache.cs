using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Phyght.Core.Accounts;

namespace Phyght.Api.Auth;

/// <summary>
/// Each instance's memory of users' roles, for <see cref="RoleCacheOptions.Seconds"/>, so a signed-in request costs no
/// database round trip for its role. Only roles that see no more than the public are remembered: a staff role is read
/// again on every request, so no stale entry can hand out a staff view (the catalogue cache serves staff pages without
/// asking the database). A role change through the API forgets the user on every instance (<see cref="Realtime.RoleChanges"/>),
/// so a promotion applies at once too; all of it is forgotten when Redis comes back.
/// </summary>
public sealed class RoleCache(IOptions<RoleCacheOptions> options)
{
    private readonly MemoryCache _roles = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private long _generation;

    public async Task<UserRole?> RoleOfAsync(Guid user, Func<Task<UserRole?>> read)
    {
        if (_roles.TryGetValue(user, out UserRole? role))
        {
            return role;
        }
        var generation = Interlocked.Read(ref _generation);
        role = await read();
        // A forget that ran while this read was in flight wins: the value read may be the old role.
        if (!VideoAccess.IsStaff(role) && generation == Interlocked.Read(ref _generation))
        {
            _roles.Set(user, role, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(options.Value.Seconds) });
        }
        return role;
    }

    public void Forget(Guid user)
    {
        Interlocked.Increment(ref _generation);
        _roles.Remove(user);
    }

    public void ForgetAll()
    {
        Interlocked.Increment(ref _generation);
        _roles.Clear();
    }
}

/// <summary><c>Auth:Roles</c>: how long an instance remembers a user's role (a change through the API applies at once;
/// one made directly in the database within this).</summary>
public sealed class RoleCacheOptions
{
    public const string Section = "Auth:Roles";

    public int Seconds { get; set; } = 30;
}
