using Microsoft.EntityFrameworkCore;
using Phyght.Core.Accounts;

namespace Phyght.Core.Data;

public static class QueryExtensions
{
    /// <summary>The video's row, locked until the transaction ends: every writer of a video takes this lock, so seq and
    /// lamport allocation, op application and status changes never interleave.</summary>
    public static Task<Video?> LockVideoAsync(this PhyghtDbContext db, Guid id, CancellationToken ct) =>
        db.Videos.FromSqlInterpolated($"SELECT * FROM videos WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct);

    /// <summary>The role the database gives a user (the only source of authority), or null without a profile.</summary>
    public static Task<UserRole?> RoleOfAsync(this PhyghtDbContext db, Guid userId, CancellationToken ct) =>
        db.Profiles.Where(p => p.Id == userId).Select(p => (UserRole?)p.Role).SingleOrDefaultAsync(ct);
}
