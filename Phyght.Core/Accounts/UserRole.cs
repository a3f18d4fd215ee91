namespace Phyght.Core.Accounts;

/// <summary>PostgreSQL enum <c>user_role</c>: admin may create, read, update, delete; moderator create, read,
/// update; user read only. Who counts as staff is <see cref="Videos.VideoAccess.IsStaff"/>.</summary>
public enum UserRole
{
    User,
    Moderator,
    Admin,
}
