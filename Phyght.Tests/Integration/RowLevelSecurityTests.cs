using Npgsql;
using Phyght.Core.Data;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>
/// The database's own row level security, checked without the API's endpoint checks: a connection acting as the
/// API's role for a given user, exactly as <c>CallerDatabaseSession</c> makes every request's connection act.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RowLevelSecurityTests(StackFixture fixture)
{
    private PhyghtStack Stack => fixture.Stack;

    [Fact]
    public async Task A_reader_cannot_write_videos_ops_or_their_own_role_even_when_no_endpoint_checks()
    {
        var (ready, draft) = await TwoVideosAsync();
        var user = await Accounts.NewAsync(Stack);
        await using var connection = await LoginConnection.ActingForAsync(Stack, user.Id);

        var insert = await Assert.ThrowsAsync<PostgresException>(() => LoginConnection.RunAsync(connection, InsertVideo));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, insert.SqlState);
        Assert.Equal(0, await LoginConnection.RunAsync(connection, "UPDATE videos SET title = 'Defaced' WHERE id = @id", ready));
        Assert.Equal(0, await LoginConnection.RunAsync(connection, "DELETE FROM videos WHERE id = @id", ready));
        Assert.Equal(0, await LoginConnection.RunAsync(connection, "SELECT 1 FROM videos WHERE id = @id", draft));
        Assert.Equal(1, await LoginConnection.RunAsync(connection, "SELECT 1 FROM videos WHERE id = @id", ready));
        var op = await Assert.ThrowsAsync<PostgresException>(() => LoginConnection.RunAsync(connection, InsertOp, ready));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, op.SqlState);
        var promote = await Assert.ThrowsAsync<PostgresException>(() => LoginConnection.RunAsync(connection, "UPDATE profiles SET role = 'admin' WHERE id = @id", user.Id!.Value));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, promote.SqlState);

        Assert.Equal("user", await Database.ScalarAsync<string>(Stack, "SELECT role::text FROM profiles WHERE id = @id", ("id", user.Id!.Value)));
        Assert.Equal(1, await Database.ScalarAsync<int>(Stack, "SELECT count(*)::int FROM videos WHERE id = @id AND title = 'Ready' AND deleted_at IS NULL", ("id", ready)));
    }

    [Fact]
    public async Task Anonymous_sees_only_ready_videos_and_staff_rights_follow_the_stored_role()
    {
        var (ready, draft) = await TwoVideosAsync();
        await using (var anonymous = await LoginConnection.ActingForAsync(Stack, null))
        {
            Assert.Equal(0, await LoginConnection.RunAsync(anonymous, "SELECT 1 FROM videos WHERE id = @id", draft));
            Assert.Equal(0, await LoginConnection.RunAsync(anonymous, "SELECT 1 FROM crdt_operations WHERE video_id = @id", draft));
            Assert.Equal(0, await LoginConnection.RunAsync(anonymous, "UPDATE videos SET title = 'Defaced' WHERE id = @id", ready));
        }

        var moderator = await Accounts.NewAsync(Stack, "moderator");
        await using (var staff = await LoginConnection.ActingForAsync(Stack, moderator.Id))
        {
            Assert.Equal(1, await LoginConnection.RunAsync(staff, "SELECT 1 FROM videos WHERE id = @id", draft));
            Assert.True(await LoginConnection.RunAsync(staff, "SELECT 1 FROM crdt_operations WHERE video_id = @id", draft) > 0);
            Assert.Equal(1, await LoginConnection.RunAsync(staff, "UPDATE videos SET title = 'Edited by staff' WHERE id = @id", draft));
            Assert.Equal(1, await LoginConnection.RunAsync(staff, InsertVideo));
            Assert.Equal(1, await LoginConnection.RunAsync(staff, InsertOp, draft));
            Assert.Equal(0, await LoginConnection.RunAsync(staff, "DELETE FROM videos WHERE id = @id", draft)); // deleting is the admin's alone
        }

        var admin = await Accounts.AdminAsync(Stack);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await admin.PutAsync($"/profiles/{moderator.Id}/role", new { role = "user" })).Status);
        await using (var demoted = await LoginConnection.ActingForAsync(Stack, moderator.Id))
        {
            Assert.Equal(0, await LoginConnection.RunAsync(demoted, "UPDATE videos SET title = 'Too late' WHERE id = @id", draft));
        }
    }

    [Fact]
    public async Task Each_request_acts_as_its_own_caller_whatever_request_used_the_pooled_connection_before()
    {
        var moderator = await Accounts.NewAsync(Stack, "moderator");
        var anonymous = Accounts.Anonymous(Stack);
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await anonymous.GetAsync($"/videos?limit=1&category=c{Guid.NewGuid():N}")).Status);
            var (status, body) = await moderator.PostAsync("/videos", new { title = $"After a reader {i}" });
            Assert.True(status == System.Net.HttpStatusCode.Created, $"create {i}: {status} {body}");
        }
    }

    private const string InsertVideo = """
        INSERT INTO videos (id, title, status, vector_clock, version, tags, is_featured, view_count, created_at, updated_at, crdt_state)
        VALUES (gen_random_uuid(), 'Forged', 'ready', '{}', 0, '{}', false, 0, now(), now(), '{}')
        """;

    private const string InsertOp = """
        INSERT INTO crdt_operations (video_id, actor, seq, lamport, operation_type, value, received_at)
        VALUES (@id, 'forger', 1, 1, 'set_title', '"Forged"', now())
        """;

    private async Task<(Guid Ready, Guid Draft)> TwoVideosAsync()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var (_, ready) = await admin.PostAsync("/videos", new { title = "Ready" });
        var (_, draft) = await admin.PostAsync("/videos", new { title = "Draft" });
        var readyId = ready!["id"]!.GetValue<string>();
        await Database.MakeReadyAsync(Stack, readyId);
        return (Guid.Parse(readyId), Guid.Parse(draft!["id"]!.GetValue<string>()));
    }
}
