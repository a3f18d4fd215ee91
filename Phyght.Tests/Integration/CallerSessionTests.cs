extern alias PhyghtApi;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using PhyghtApi::Phyght.Api.Auth;
using PhyghtApi::Phyght.Api.Infrastructure;
using Phyght.Core.Data;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>
/// The API's connections act for their request's caller (row level security) under its statement timeout, with the
/// session set in the same round trip as the connection's first query. These drive a context as the API's login
/// through the ways a session could be lost: a first query that fails, a first transaction rolled back, a first write.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class CallerSessionTests(StackFixture fixture)
{
    private const int TimeoutMilliseconds = 4_321;

    private async Task<PhyghtDbContext> ContextAsync(Guid caller)
    {
        var connection = new NpgsqlConnectionStringBuilder(await fixture.Stack.ConnectionStringAsync("phyght-api")) { Pooling = false };
        var options = new DbContextOptionsBuilder<PhyghtDbContext>()
            .UseNpgsql(connection.ConnectionString, PhyghtDbContext.ConfigureNpgsql)
            .AddInterceptors(new CallerDatabaseSession(Options.Create(new ApiOptions { StatementTimeoutMilliseconds = TimeoutMilliseconds })));
        PhyghtDbContext.Configure(options);
        return new PhyghtDbContext(options.Options) { CallerId = caller };
    }

    private static async Task<(string Caller, string Timeout)> SessionAsync(PhyghtDbContext db) =>
        (await db.Database.SqlQuery<string>($"SELECT current_setting('phyght.user_id') AS \"Value\"").SingleAsync(),
         await db.Database.SqlQuery<string>($"SELECT current_setting('statement_timeout') AS \"Value\"").SingleAsync());

    [Fact]
    public async Task The_session_holds_on_every_query_of_a_connection()
    {
        var caller = Guid.NewGuid();
        await using var db = await ContextAsync(caller);
        await db.Database.OpenConnectionAsync();

        Assert.Equal((caller.ToString(), $"{TimeoutMilliseconds}ms"), await SessionAsync(db));
        Assert.Equal((caller.ToString(), $"{TimeoutMilliseconds}ms"), await SessionAsync(db));
    }

    [Fact]
    public async Task A_failed_first_query_does_not_leave_the_connection_without_its_caller()
    {
        var caller = Guid.NewGuid();
        await using var db = await ContextAsync(caller);
        await db.Database.OpenConnectionAsync();

        // The failure undoes the statements sent with it (one implicit transaction): they are sent again.
        await Assert.ThrowsAsync<PostgresException>(() => db.Database.SqlQuery<int>($"SELECT 1 / 0 AS \"Value\"").ToListAsync());

        Assert.Equal((caller.ToString(), $"{TimeoutMilliseconds}ms"), await SessionAsync(db));
    }

    [Fact]
    public async Task A_first_transaction_rolled_back_does_not_take_the_caller_with_it()
    {
        var caller = Guid.NewGuid();
        await using var db = await ContextAsync(caller);
        await db.Database.OpenConnectionAsync();

        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            Assert.Equal(caller.ToString(), (await SessionAsync(db)).Caller);
            await transaction.RollbackAsync();
        }

        Assert.Equal((caller.ToString(), $"{TimeoutMilliseconds}ms"), await SessionAsync(db));
    }

    [Fact]
    public async Task A_first_write_runs_as_the_caller()
    {
        var caller = Guid.NewGuid();
        await using var db = await ContextAsync(caller);
        await db.Database.OpenConnectionAsync();

        // A write's row counts are read statement by statement, so the session goes in a command of its own.
        Assert.Equal(0, await db.Database.ExecuteSqlAsync($"UPDATE videos SET view_count = view_count WHERE false"));

        Assert.Equal((caller.ToString(), $"{TimeoutMilliseconds}ms"), await SessionAsync(db));
    }
}
