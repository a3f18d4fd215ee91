namespace Phyght.Core.Accounts;

/// <summary>PostgreSQL enum <c>user_role</c>: admin may create, read, update, delete; moderator create, read,
/// update; user read only.</summary>
public enum UserRole
{
    User,
    Moderator,
    Admin,
}

public static class UserRoleNames
{
    public static string ToName(this UserRole role) => role.ToString().ToLowerInvariant();

    public static bool TryParse(string? name, out UserRole role)
    {
        foreach (var value in Enum.GetValues<UserRole>())
        {
            if (string.Equals(value.ToName(), name, StringComparison.Ordinal))
            {
                role = value;
                return true;
            }
        }
        role = default;
        return false;
    }

    public static bool IsStaff(this UserRole role) => role is UserRole.Admin or UserRole.Moderator;
}
