using Npgsql;
using Phyght.Core.Data;

namespace Phyght.Tests.Infrastructure;

/// <summary>A connection as one of the services' own database logins (<c>phyght-api</c>, <c>phyght-worker</c>, ...),
/// to try directly what SQL that login may run, past every endpoint check.</summary>
public static class LoginConnection
{
    public static async Task<NpgsqlConnection> OpenAsync(PhyghtStack stack, string login)
    {
        var builder = new NpgsqlConnectionStringBuilder(await stack.ConnectionStringAsync(login)) { Pooling = false };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>The API's login acting for a user (null: anonymous), exactly as the API makes a request's connection act.</summary>
    public static async Task<NpgsqlConnection> ActingForAsync(PhyghtStack stack, Guid? userId)
    {
        var connection = await OpenAsync(stack, "phyght-api");
        await ActForAsync(connection, userId);
        return connection;
    }

    public static async Task ActForAsync(NpgsqlConnection connection, Guid? userId)
    {
        await using var command = new NpgsqlCommand(DatabaseCaller.ActAs(userId, statementTimeoutMilliseconds: 5_000), connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Rows affected (or returned, for a query).</summary>
    public static async Task<int> RunAsync(NpgsqlConnection connection, string sql, Guid? id = null)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (id is { } value)
        {
            command.Parameters.AddWithValue("id", value);
        }
        if (sql.StartsWith("SELECT", StringComparison.Ordinal))
        {
            var rows = 0;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows++;
            }
            return rows;
        }
        return await command.ExecuteNonQueryAsync();
    }
}
