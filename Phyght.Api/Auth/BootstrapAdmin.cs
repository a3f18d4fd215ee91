using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Phyght.Core.Accounts;

namespace Phyght.Api.Auth;

/// <summary>Creates the first admin from <c>Auth:BootstrapAdmin</c> when the database has no admin yet.</summary>
public sealed class BootstrapAdmin(
    AccountsDbContext db,
    UserManager<PhyghtUser> users,
    IOptions<BootstrapAdminOptions> options,
    TimeProvider time,
    ILogger<BootstrapAdmin> logger)
{
    public async Task EnsureAsync(CancellationToken ct)
    {
        var admin = options.Value;
        if (string.IsNullOrWhiteSpace(admin.Email) || string.IsNullOrWhiteSpace(admin.Password))
        {
            logger.LogInformation("No bootstrap admin configured ({Section}:Email/Password)", BootstrapAdminOptions.Section);
            return;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Serialize API instances starting together.
        await db.AdvisoryTransactionLockAsync(AdvisoryLocks.BootstrapAdmin, ct);
        if (await db.Profiles.AnyAsync(p => p.Role == UserRole.Admin, ct))
        {
            return;
        }
        var user = new PhyghtUser { Id = Guid.NewGuid(), Email = admin.Email, UserName = admin.Username };
        var result = await users.CreateAsync(user, admin.Password);
        if (!result.Succeeded)
        {
            logger.LogError("Bootstrap admin {Email} could not be created: {Errors}", admin.Email, string.Join("; ", result.Errors.Select(e => e.Description)));
            return;
        }
        var now = time.GetUtcNow();
        db.Profiles.Add(new Profile { Id = user.Id, Username = admin.Username, FullName = "Administrator", Role = UserRole.Admin, CreatedAt = now, UpdatedAt = now });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        logger.LogInformation("Created bootstrap admin {Email} ({UserId})", admin.Email, user.Id);
    }
}
