using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using Phyght.Core.Accounts;

namespace Phyght.Api.Auth;

/// <summary>
/// Users of an external issuer: each (issuer, subject) maps to a local id of its own, so an external token can never
/// name a local account, and gets an account and a <c>user</c> profile on its first call.
/// </summary>
public sealed partial class ExternalAccounts(AccountsDbContext db, TimeProvider clock, ILogger<ExternalAccounts> logger)
{
    public static Guid LocalId(string issuer, string subject) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"{issuer}\n{subject}")).AsSpan(0, 16));

    /// <summary>Replaces the external <c>sub</c> with the local id (keeping the original as <c>external_sub</c>) and
    /// creates the account on first sight.</summary>
    public async Task<ClaimsPrincipal> SignInAsync(string issuer, ClaimsPrincipal external, CancellationToken ct)
    {
        var subject = external.FindFirstValue("sub") ?? throw new InvalidOperationException("The external token has no subject.");
        var id = LocalId(issuer, subject);
        if (!await db.Profiles.AnyAsync(p => p.Id == id, ct))
        {
            await CreateAsync(id, issuer, subject, external, ct);
        }
        var identity = new ClaimsIdentity(
            external.Claims.Where(c => c.Type != "sub").Append(new Claim("sub", id.ToString())).Append(new Claim("external_sub", subject)),
            AuthSchemes.External, "sub", null);
        return new ClaimsPrincipal(identity);
    }

    private async Task CreateAsync(Guid id, string issuer, string subject, ClaimsPrincipal external, CancellationToken ct)
    {
        var email = external.FindFirstValue("email");
        // Email sign-in finds accounts by email, so an address a local account already has stays with that account.
        if (email is not null && await db.Users.AnyAsync(u => u.NormalizedEmail == email.ToUpperInvariant(), ct))
        {
            email = null;
        }
        var wanted = UsernameFrom(external.FindFirstValue("preferred_username") ?? email?.Split('@')[0]);
        foreach (var username in new[] { wanted, $"{wanted[..Math.Min(wanted.Length, 21)]}-{id.ToString("N")[..8]}" })
        {
            var now = clock.GetUtcNow();
            db.Users.Add(new PhyghtUser
            {
                Id = id,
                UserName = username,
                NormalizedUserName = username.ToUpperInvariant(),
                Email = email,
                NormalizedEmail = email?.ToUpperInvariant(),
                SecurityStamp = Guid.NewGuid().ToString("N"),
            });
            db.Profiles.Add(new Profile
            {
                Id = id,
                Username = username,
                FullName = external.FindFirstValue("name"),
                AvatarUrl = external.FindFirstValue("picture"),
                Role = UserRole.User,
                CreatedAt = now,
                UpdatedAt = now,
            });
            try
            {
                await db.SaveChangesAsync(ct);
                logger.LogInformation("Created user {UserId} ({Username}) for subject {Subject} of {Issuer} on its first call", id, username, subject, issuer);
                return;
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                db.ChangeTracker.Clear();
                if (await db.Profiles.AnyAsync(p => p.Id == id, ct))
                {
                    return; // a concurrent first call made it
                }
            }
        }
        throw new InvalidOperationException($"No free username for external user {id}.");
    }

    private static string UsernameFrom(string? claim)
    {
        var cleaned = NotUsernameCharacters().Replace(claim ?? "", "");
        return cleaned.Length >= 3 ? cleaned[..Math.Min(cleaned.Length, 30)] : "user";
    }

    [GeneratedRegex("[^A-Za-z0-9_.-]")]
    private static partial Regex NotUsernameCharacters();
}
