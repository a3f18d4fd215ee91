using Npgsql;
using Phyght.Core.Data;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>
/// What each service's own database login may do, tried directly as the SQL an injected statement or a code path that
/// forgot its checks would run: each login is refused whatever its service does not use.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class LeastPrivilegeTests(StackFixture fixture)
{
    private PhyghtStack Stack => fixture.Stack;

    [Theory]
    [InlineData("phyght-api", """SELECT password_hash FROM "AspNetUsers" """)]
    [InlineData("phyght-api", "SELECT token_hash FROM refresh_tokens")]
    [InlineData("phyght-api", "INSERT INTO video_counts VALUES ('ready', 'MMA', false, 1000000)")]
    [InlineData("phyght-api", "INSERT INTO profiles (id, username, role, created_at, updated_at) VALUES (gen_random_uuid(), 'intruder', 'admin', now(), now())")]
    [InlineData("phyght-api", "SET ROLE postgres")]
    [InlineData("phyght-api", "SET ROLE phyght_owner")]
    [InlineData("phyght-api", "CREATE TEMP TABLE profiles (id uuid, role user_role)")]
    [InlineData("phyght-api", "CREATE TABLE public.stash (secret text)")]
    [InlineData("phyght-worker", """SELECT password_hash FROM "AspNetUsers" """)]
    [InlineData("phyght-worker", "SELECT * FROM profiles")]
    [InlineData("phyght-worker", "DELETE FROM videos")]
    [InlineData("phyght-worker", "INSERT INTO processing_jobs (id, video_id) VALUES (gen_random_uuid(), gen_random_uuid())")]
    [InlineData("phyght-worker", "CREATE TEMP TABLE profiles (id uuid, role user_role)")]
    [InlineData("phyght-api", """DELETE FROM "__EFMigrationsHistory" """)]
    [InlineData("phyght-worker", """INSERT INTO "__EFMigrationsHistory" VALUES ('29991231000000_Fake', '10.0.0')""")]
    [InlineData("phyght-accounts", """SELECT * FROM "__EFMigrationsHistory" """)]
    [InlineData("phyght-accounts", "SELECT * FROM videos")]
    [InlineData("phyght-accounts", "SELECT * FROM change_feed")]
    [InlineData("phyght-accounts", "UPDATE profiles SET role = 'admin'")]
    [InlineData("phyght-owner", "ALTER ROLE phyght_api BYPASSRLS")]
    public async Task A_login_is_refused_what_its_service_does_not_use(string login, string sql)
    {
        await using var connection = await LoginConnection.OpenAsync(Stack, login);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => LoginConnection.RunAsync(connection, sql));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task A_request_connection_cannot_leave_the_callers_policies()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var (_, draft) = await admin.PostAsync("/videos", new { title = "Draft behind the policies" });
        var draftId = Guid.Parse(draft!["id"]!.GetValue<string>());

        // Acting for an anonymous caller, as the API does for a request without a token, then trying every way out:
        // the login itself is bound by the policies, so resetting the session role changes nothing.
        await using var connection = await LoginConnection.ActingForAsync(Stack, null);
        await LoginConnection.RunAsync(connection, "RESET ROLE");
        await LoginConnection.RunAsync(connection, "RESET SESSION AUTHORIZATION");
        Assert.Equal(0, await LoginConnection.RunAsync(connection, "SELECT 1 FROM videos WHERE id = @id", draftId));
        Assert.Equal(0, await LoginConnection.RunAsync(connection, "SELECT 1 FROM crdt_operations WHERE video_id = @id", draftId));
        Assert.Equal(0, await LoginConnection.RunAsync(connection, "UPDATE videos SET title = 'Defaced' WHERE id = @id", draftId));

        // The same login acting for staff sees the draft: the policies, not the login, decide.
        var moderator = await Accounts.NewAsync(Stack, "moderator");
        await LoginConnection.ActForAsync(connection, moderator.Id);
        Assert.Equal(1, await LoginConnection.RunAsync(connection, "SELECT 1 FROM videos WHERE id = @id", draftId));
    }

    [Fact]
    public async Task Functions_with_the_definers_rights_search_temporary_objects_last()
    {
        var configs = await Database.ScalarAsync<string>(Stack, """
            SELECT string_agg(proname || ':' || array_to_string(proconfig, ','), ' ' ORDER BY proname)
            FROM pg_proc WHERE prosecdef AND pronamespace = 'public'::regnamespace
            """);
        Assert.Equal(
            "phyght_caller_role:search_path=pg_catalog, public, pg_temp phyght_count_view:search_path=pg_catalog, public, pg_temp video_counts_track:search_path=pg_catalog, public, pg_temp",
            configs);
        // And the functions row level security needs for index scans are marked leakproof (by the migrations resource, as the superuser).
        Assert.True(await Database.ScalarAsync<bool>(Stack,
            "SELECT bool_and(proleakproof) FROM pg_proc WHERE oid IN ('ts_match_vq(tsvector, tsquery)'::regprocedure, 'enum_eq(anyenum, anyenum)'::regprocedure)"));
    }

    [Fact]
    public async Task Redis_refuses_a_client_without_the_password()
    {
        // Another local process that knows only the port cannot forge a change event for every instance to deliver.
        var endpoint = (await Stack.ConnectionStringAsync("redis")).Split(',')[0];
        await using var stranger = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{endpoint},abortConnect=false,connectTimeout=2000");
        await Assert.ThrowsAnyAsync<StackExchange.Redis.RedisException>(() =>
            stranger.GetSubscriber().PublishAsync(StackExchange.Redis.RedisChannel.Literal("phyght:changes"), "{}"));
    }
}
