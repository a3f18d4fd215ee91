using System.Linq.Expressions;
using Phyght.Core.Accounts;

namespace Phyght.Core.Videos;

/// <summary>
/// Who may read a video, in one place: staff (admin, moderator) read every video that is not deleted; everyone else
/// (users, anonymous callers) only ready ones. The endpoints, sync, the real-time hub and the cache key all ask here;
/// the database's row level security policies (<c>videos_readable</c>, see the migrations) state the same rule.
/// </summary>
public static class VideoAccess
{
    /// <summary>Whether a role (null: anonymous or no profile) is staff.</summary>
    public static bool IsStaff(UserRole? role) => role is UserRole.Admin or UserRole.Moderator;

    public static Expression<Func<Video, bool>> Readable(bool staff) =>
        staff ? v => v.DeletedAt == null : v => v.DeletedAt == null && v.Status == VideoStatus.Ready;

    public static bool CanRead(Video video, bool staff) => !video.IsDeleted && (staff || video.Status == VideoStatus.Ready);

    /// <summary>The audience a cached answer was computed for: two callers in one audience see the same videos.</summary>
    public static string Audience(bool staff) => staff ? "staff" : "public";
}
