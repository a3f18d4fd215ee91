using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Phyght.Api.Auth;

/// <summary>
/// Every connection the API opens acts for the user its <see cref="PhyghtDbContext"/> names (<see cref="PhyghtDbContext.CallerId"/>,
/// set from the request when the request's scope first asks for the context), so the database's row level security
/// policies hold even where an endpoint's own check would not; and every statement runs under a timeout, so no
/// request holds a backend for long (→ 503). The pool resets the session when a connection is returned.
/// </summary>
public sealed class CallerDatabaseSession(Microsoft.Extensions.Options.IOptions<ApiOptions> api) : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = ActAs(connection, eventData);
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = ActAs(connection, eventData);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private NpgsqlCommand ActAs(DbConnection connection, ConnectionEndEventData eventData)
    {
        var command = new NpgsqlCommand($"{DatabaseCaller.ActAsSql}, set_config('statement_timeout', @timeout, false)", (NpgsqlConnection)connection);
        command.Parameters.AddWithValue("user_id", (eventData.Context as PhyghtDbContext)?.CallerId?.ToString() ?? "");
        command.Parameters.AddWithValue("timeout", $"{api.Value.StatementTimeoutMilliseconds}ms");
        return command;
    }
}
