namespace Phyght.Core.Data;

/// <summary>
/// Who a database session acts for, as the row level security policies read it (see the <c>RowLevelSecurityAndSearch</c>
/// and <c>LeastPrivilege</c> migrations): the API's login is itself bound by the policies (no role to switch to or
/// back from), and the policies read the calling user from the setting <see cref="UserIdSetting"/>.
/// </summary>
public static class DatabaseCaller
{
    public const string UserIdSetting = "phyght.user_id";

    /// <summary>One statement that makes the session act for <c>@user_id</c> (empty: anonymous).</summary>
    public const string ActAsSql = $"SELECT set_config('{UserIdSetting}', @user_id, false)";
}
