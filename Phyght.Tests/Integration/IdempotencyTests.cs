using System.Net;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>A write retried with the same <c>Idempotency-Key</c> (a lost response, a flaky network) happens once.</summary>
[Collection(StackCollection.Name)]
public sealed class IdempotencyTests(StackFixture fixture)
{
    private PhyghtStack Stack => fixture.Stack;

    private sealed record Answer(HttpStatusCode Status, string Body, string? Location, bool Replayed);

    private static async Task<Answer> SendAsync(ApiUser user, HttpMethod method, string path, string body, string key)
    {
        using var request = user.Request(method, path, body);
        request.Headers.Add("Idempotency-Key", key);
        using var response = await user.Http.SendAsync(request);
        return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Location?.ToString(),
            response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) && replayed.Single() == "true");
    }

    [Fact]
    public async Task A_retried_create_replays_its_first_answer_and_makes_one_video()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var title = $"Once {Guid.NewGuid():N}";
        var body = $$"""{"title":"{{title}}","tags":["retry"]}""";
        var key = Guid.NewGuid().ToString();

        var first = await SendAsync(admin, HttpMethod.Post, "/videos", body, key);
        var retry = await SendAsync(admin, HttpMethod.Post, "/videos", body, key);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.False(first.Replayed);
        Assert.Equal((first.Status, first.Body, first.Location), (retry.Status, retry.Body, retry.Location));
        Assert.True(retry.Replayed);
        Assert.Equal(1, await Database.ScalarAsync<int>(Stack, "SELECT count(*)::int FROM videos WHERE title = @t", ("t", title)));

        // The same key with another body is a client bug, not a retry.
        var other = await SendAsync(admin, HttpMethod.Post, "/videos", $$"""{"title":"{{title}} again"}""", key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.Status);
        Assert.Equal(0, await Database.ScalarAsync<int>(Stack, "SELECT count(*)::int FROM videos WHERE title = @t", ("t", $"{title} again")));

        // Keys are per user: another writer's identical key is its own first attempt.
        var moderator = await Accounts.NewAsync(Stack, "moderator");
        var theirs = await SendAsync(moderator, HttpMethod.Post, "/videos", body, key);
        Assert.Equal(HttpStatusCode.Created, theirs.Status);
        Assert.False(theirs.Replayed);
        Assert.Equal(2, await Database.ScalarAsync<int>(Stack, "SELECT count(*)::int FROM videos WHERE title = @t", ("t", title)));
    }

    [Fact]
    public async Task A_retried_guarded_edit_answers_as_the_first_did_instead_of_conflicting_with_itself()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var video = await admin.CreateVideoAsync(new { title = "Guarded edit" });
        var id = video["id"]!.GetValue<string>();
        var body = $$"""{"title":"Edited once","vector_clock":{{video["vector_clock"]!.ToJsonString()}}}""";
        var key = Guid.NewGuid().ToString();

        var first = await SendAsync(admin, HttpMethod.Put, $"/videos-update/{id}", body, key);
        var ops = await Database.CountAsync(Stack, "crdt_operations", id);
        var retry = await SendAsync(admin, HttpMethod.Put, $"/videos-update/{id}", body, key);
        var unkeyed = await admin.PutAsync($"/videos-update/{id}", new { title = "Edited once", vector_clock = video["vector_clock"] });

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal((HttpStatusCode.OK, first.Body), (retry.Status, retry.Body));
        Assert.True(retry.Replayed);
        Assert.Equal(HttpStatusCode.Conflict, unkeyed.Status); // without a key, the same retry is stale
        Assert.Equal(ops, await Database.CountAsync(Stack, "crdt_operations", id));
    }

    [Fact]
    public async Task A_key_still_in_flight_answers_409_and_a_malformed_key_400()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var adminId = await Database.ScalarAsync<Guid>(Stack, "SELECT id FROM profiles WHERE role = 'admin' ORDER BY created_at LIMIT 1");
        var key = Guid.NewGuid().ToString();
        await Database.ExecuteAsync(Stack,
            "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES (@u, @k, 'in-flight', now())", ("u", adminId), ("k", key));

        var title = $"In flight {Guid.NewGuid():N}";
        var busy = await SendAsync(admin, HttpMethod.Post, "/videos", $$"""{"title":"{{title}}"}""", key);
        var malformed = await SendAsync(admin, HttpMethod.Post, "/videos", $$"""{"title":"{{title}}"}""", new string('k', 256));

        Assert.Equal(HttpStatusCode.Conflict, busy.Status);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.Status);
        Assert.Contains("Idempotency-Key", malformed.Body);
        Assert.Equal(0, await Database.ScalarAsync<int>(Stack, "SELECT count(*)::int FROM videos WHERE title = @t", ("t", title)));
    }
}
