using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Phyght.Core.Accounts;

namespace Phyght.Core.Data;

/// <summary>
/// Accounts (ASP.NET Core Identity), their profiles and refresh tokens, on the API's accounts login
/// (<c>ConnectionStrings:phyght-accounts</c>): the only login that may read password hashes and refresh tokens. The
/// schema is <see cref="PhyghtDbContext"/>'s (it owns the migrations); this context maps the same tables.
/// </summary>
public sealed class AccountsDbContext(DbContextOptions<AccountsDbContext> options)
    : IdentityUserContext<PhyghtUser, Guid>(options)
{
    public DbSet<Profile> Profiles => Set<Profile>();
    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        base.OnModelCreating(model);
        ConfigureAccounts(model);
    }

    /// <summary>The account tables beside Identity's own, as both contexts map them.</summary>
    internal static void ConfigureAccounts(ModelBuilder model)
    {
        model.Entity<Profile>(profile =>
        {
            profile.ToTable("profiles");
            profile.HasIndex(p => p.Username).IsUnique();
            profile.Property(p => p.Role).HasDefaultValue(UserRole.User);
            profile.HasOne<PhyghtUser>().WithOne().HasForeignKey<Profile>(p => p.Id).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<RefreshToken>(token =>
        {
            token.ToTable("refresh_tokens");
            token.HasIndex(t => t.TokenHash).IsUnique();
            token.HasIndex(t => t.FamilyId);
            token.HasOne<PhyghtUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
