namespace Phyght.Core.Accounts;

/// <summary>PostgreSQL enum <c>user_role</c>: admin may create, read, update, delete; moderator create, read,
/// update; user read only.</summary>
public enum UserRole
{
    User,
    Moderator,
    Admin,
}

public static class UserRoles
{
    public static bool IsStaff(this UserRole role) => role is UserRole.Admin or UserRole.Moderator;
}
