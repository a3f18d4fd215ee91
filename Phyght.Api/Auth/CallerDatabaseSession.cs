using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Phyght.Api.Auth;

/// <summary>
/// Every connection the API opens acts for the user its <see cref="PhyghtDbContext"/> names (<see cref="PhyghtDbContext.CallerId"/>,
/// set from the request when the request's scope first asks for the context), so the database's row level security
/// policies hold even where an endpoint's own check would not; and every statement runs under a timeout, so no
/// request holds a backend for long (→ 503). The pool resets the session when a connection is returned.
/// </summary>
/// <remarks>
/// The session is set in the same round trip as the connection's first command, as <c>SET</c> statements ahead of it
/// (they return no rows, so the command's results are its own), and only outside a transaction: a rolled-back
/// transaction, or a failed command's implicit one, would undo it. A connection whose first use is a transaction
/// sets it in a statement of its own before <c>BEGIN</c>; a failed command that carried it leaves it to be set again.
/// </remarks>
public sealed class CallerDatabaseSession(Microsoft.Extensions.Options.IOptions<ApiOptions> api)
    : DbCommandInterceptor, IDbConnectionInterceptor, IDbTransactionInterceptor
{
    /// <summary>Connections opened whose session is not set yet, and commands that carry it and have not succeeded yet.</summary>
    private readonly ConditionalWeakTable<DbConnection, string> _unset = [];
    private readonly ConditionalWeakTable<DbCommand, Carried> _carrying = [];

    private sealed record Carried(DbConnection Connection, string Statements);

    public void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => _unset.AddOrUpdate(connection, Caller(eventData.Context));

    public Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ConnectionOpened(connection, eventData);
        return Task.CompletedTask;
    }

    public InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData,
        InterceptionResult<DbTransaction> result)
    {
        SetSessionAsync(connection, transaction: null, async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return result;
    }

    public async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(DbConnection connection, TransactionStartingEventData eventData,
        InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        await SetSessionAsync(connection, transaction: null, async: true, cancellationToken);
        return result;
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        SetSession(command, eventData);
        return result;
    }

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await SetSessionAsync(command, eventData, async: true, cancellationToken);
        return result;
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        SetSession(command, eventData);
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await SetSessionAsync(command, eventData, async: true, cancellationToken);
        return result;
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        SetSession(command, eventData);
        return result;
    }

    public override async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        await SetSessionAsync(command, eventData, async: true, cancellationToken);
        return result;
    }

    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Restore(command);

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Restore(command);
        return Task.CompletedTask;
    }

    public override void CommandCanceled(DbCommand command, CommandEndEventData eventData) => Restore(command);

    public override Task CommandCanceledAsync(DbCommand command, CommandEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Restore(command);
        return Task.CompletedTask;
    }

    /// <summary>The first query on a connection outside a transaction carries the session's statements. Writes do not:
    /// EF reads their row counts statement by statement, so the session goes ahead of them in a command of its own.</summary>
    private ValueTask SetSessionAsync(DbCommand command, CommandEventData eventData, bool async, CancellationToken ct)
    {
        if (command.Connection is { } connection && command.Transaction is null
            && eventData.CommandSource is CommandSource.LinqQuery or CommandSource.FromSqlQuery && Take(connection) is { } statements)
        {
            command.CommandText = statements + command.CommandText;
            _carrying.AddOrUpdate(command, new Carried(connection, statements));
            return ValueTask.CompletedTask;
        }
        return command.Connection is null ? ValueTask.CompletedTask : SetSessionAsync(command.Connection, command.Transaction, async, ct);
    }

    /// <summary>EF's synchronous calls: with <c>async: false</c> nothing in <see cref="SetSessionAsync(DbCommand, CommandEventData, bool, CancellationToken)"/> awaits.</summary>
    private void SetSession(DbCommand command, CommandEventData eventData) =>
        SetSessionAsync(command, eventData, async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <summary>Sets the session in a command of its own, if this connection's is not set yet.</summary>
    private async ValueTask SetSessionAsync(DbConnection connection, DbTransaction? transaction, bool async, CancellationToken ct)
    {
        if (Take(connection) is not { } statements)
        {
            return;
        }
        await using var session = new NpgsqlCommand(statements, (NpgsqlConnection)connection, (NpgsqlTransaction?)transaction);
        if (async)
        {
            await session.ExecuteNonQueryAsync(ct);
        }
        else
        {
            session.ExecuteNonQuery();
        }
    }

    /// <summary>A command that carried the session failed: its implicit transaction undid the session, so set it again.</summary>
    private void Restore(DbCommand command)
    {
        if (_carrying.TryGetValue(command, out var carried))
        {
            _carrying.Remove(command);
            _unset.AddOrUpdate(carried.Connection, carried.Statements);
        }
    }

    private string? Take(DbConnection connection)
    {
        if (!_unset.TryGetValue(connection, out var statements))
        {
            return null;
        }
        _unset.Remove(connection);
        return statements;
    }

    private string Caller(DbContext? context) =>
        DatabaseCaller.ActAs((context as PhyghtDbContext)?.CallerId, api.Value.StatementTimeoutMilliseconds);
}
