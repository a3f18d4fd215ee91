using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Phyght.Core.Accounts;

namespace Phyght.Api.Auth;

/// <summary>
/// Each instance's memory of users' roles, for <see cref="RoleCacheOptions.Seconds"/>: a signed-in request then
/// costs no database round trip for its role. A role change through the API forgets the user on every instance before
/// it answers here and within milliseconds elsewhere (<see cref="Realtime.RoleChanges"/>); all of it is forgotten when
/// Redis comes back. Row level security reads the stored role itself, so a stale entry can never widen what the
/// database returns.
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
        if (generation == Interlocked.Read(ref _generation))
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
