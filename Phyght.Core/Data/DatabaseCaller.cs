namespace Phyght.Core.Data;

/// <summary>
/// Who a database session acts for, as the row level security policies read it (see the <c>RowLevelSecurityAndSearch</c>
/// and <c>LeastPrivilege</c> migrations): the API's login is itself bound by the policies (no role to switch to or
/// back from), and the policies read the calling user from the setting <see cref="UserIdSetting"/>.
/// </summary>
public static class DatabaseCaller
{
    public const string UserIdSetting = "phyght.user_id";

    /// <summary>The statements that make a session act for <paramref name="userId"/> (null: anonymous) under a statement
    /// timeout: literals, since <c>SET</c> takes no parameters; a formatted UUID and a number, so nothing a client sends
    /// reaches this text. They return no rows, so they can go ahead of a query in the same command.</summary>
    public static string ActAs(Guid? userId, int statementTimeoutMilliseconds) =>
        $"SET {UserIdSetting} = '{userId?.ToString("D") ?? ""}'; SET statement_timeout = {statementTimeoutMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}; ";
}
