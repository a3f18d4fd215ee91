using Npgsql;

namespace Phyght.Tests.Infrastructure;

/// <summary>Direct SQL against the stack's database, for arranging state the API has no endpoint for and for
/// checking what was (or was not) written.</summary>
public static class Database
{
    public static async Task<T> ScalarAsync<T>(PhyghtStack stack, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(await stack.ConnectionStringAsync("phyght"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T));
    }

    public static Task<int> ExecuteAsync(PhyghtStack stack, string sql, params (string Name, object Value)[] parameters) =>
        ScalarAsync<int>(stack, $"WITH done AS ({sql} RETURNING 1) SELECT count(*)::int FROM done", parameters);

    /// <summary>Marks a video ready as the worker would, for list and visibility tests that need no real file.</summary>
    public static Task<int> MakeReadyAsync(PhyghtStack stack, string videoId) =>
        ExecuteAsync(stack, "UPDATE videos SET status = 'ready' WHERE id = @id", ("id", Guid.Parse(videoId)));

    public static Task<long> CountAsync(PhyghtStack stack, string table, string videoId) =>
        ScalarAsync<long>(stack, $"SELECT count(*) FROM {table} WHERE {(table == "videos" ? "id" : "video_id")} = @id", ("id", Guid.Parse(videoId)));
}
