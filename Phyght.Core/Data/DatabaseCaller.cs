namespace Phyght.Core.Data;

/// <summary>
/// Who a database session acts for, as the row level security policies read it (see the <c>RowLevelSecurityAndSearch</c>
/// migration): the role <see cref="AppRole"/> and the user id in the setting <see cref="UserIdSetting"/>.
/// </summary>
public static class DatabaseCaller
{
    public const string AppRole = "phyght_app";
    public const string UserIdSetting = "phyght.user_id";

    /// <summary>One statement that makes the session act as <see cref="AppRole"/> for <c>@user_id</c> (empty: anonymous).</summary>
    public const string ActAsSql = $"SELECT set_config('role', '{AppRole}', false), set_config('{UserIdSetting}', @user_id, false)";
}
