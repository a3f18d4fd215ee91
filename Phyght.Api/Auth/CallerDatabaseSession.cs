using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Phyght.Api.Auth;

/// <summary>
/// Every connection opened while serving a request acts as <see cref="DatabaseCaller.AppRole"/> for the calling user,
/// so the database's row level security policies hold even where an endpoint's own check would not. Connections
/// opened outside a request (migrations, the outbox, the fan-out) keep the owner's rights; the pool resets the
/// session (role, caller, statement timeout) when a connection is returned.
/// </summary>
public sealed class CallerDatabaseSession(IHttpContextAccessor accessor, Microsoft.Extensions.Options.IOptions<ApiOptions> api) : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (ActAs(connection) is { } command)
        {
            using (command)
            {
                command.ExecuteNonQuery();
            }
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (ActAs(connection) is { } command)
        {
            await using (command)
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    private NpgsqlCommand? ActAs(DbConnection connection)
    {
        if (accessor.HttpContext is not { } http)
        {
            return null;
        }
        // A request's statements also run under a timeout, so no request holds a backend for long (→ 503).
        var command = new NpgsqlCommand($"{DatabaseCaller.ActAsSql}, set_config('statement_timeout', @timeout, false)", (NpgsqlConnection)connection);
        command.Parameters.AddWithValue("user_id", http.User.UserId()?.ToString() ?? "");
        command.Parameters.AddWithValue("timeout", $"{api.Value.StatementTimeoutMilliseconds}ms");
        return command;
    }
}
