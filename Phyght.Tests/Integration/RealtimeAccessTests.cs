using System.Net;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using Phyght.Tests.Infrastructure;
using Listener = Phyght.Tests.Integration.RealtimeTests.Listener;

namespace Phyght.Tests.Integration;

/// <summary>Who may see what over <c>/realtime</c> is decided again when the facts change: a role, a token's expiry.</summary>
[Collection(StackCollection.Name)]
public sealed class RealtimeAccessTests(StackFixture fixture)
{
    private PhyghtStack Stack => fixture.Stack;

    [Fact]
    public async Task A_demoted_moderator_stops_receiving_drafts_as_soon_as_the_role_change_returns()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var moderator = await Accounts.NewAsync(Stack, "moderator");
        await using var listener = await Listener.ConnectAsync(Stack, moderator.AccessToken);
        await listener.Connection.InvokeAsync("SubscribeAll");

        var before = (await admin.CreateVideoAsync(new { title = "Draft seen by staff" }))["id"]!.GetValue<string>();
        await Eventually.HoldsAsync(() => listener.For(before).Any(), TimeSpan.FromSeconds(10), "staff receive a new draft");

        var (demoted, body) = await admin.PutAsync($"/profiles/{moderator.Id}/role", new { role = "user" });
        Assert.True(demoted == HttpStatusCode.OK, $"demote: {demoted} {body}");

        var after = (await admin.CreateVideoAsync(new { title = "Draft after the demotion" }))["id"]!.GetValue<string>();
        var published = (await admin.CreateVideoAsync(new { title = "Published after the draft" }))["id"]!.GetValue<string>();
        await Database.MakeReadyAsync(Stack, published);
        await admin.PutAsync($"/videos-update/{published}", new { title = "Published, edited" });
        // Events reach a connection in commit order: once the later public edit is here, the draft would have been too.
        await Eventually.HoldsAsync(() => listener.For(published).Any(), TimeSpan.FromSeconds(10), "the public edit arrives");
        Assert.Empty(listener.For(after));
    }

    [Fact]
    public async Task A_connection_is_closed_when_its_token_expires()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var token = Jwt.Sign(Encoding.UTF8.GetBytes(Stack.ExternalIssuerKey), new Dictionary<string, object>
        {
            ["iss"] = PhyghtStack.ExternalIssuer,
            ["aud"] = PhyghtStack.ExternalAudience,
            ["sub"] = Guid.NewGuid().ToString(),
            ["iat"] = now - 10,
            ["exp"] = now + 3,
        });
        await using var listener = await Listener.ConnectAsync(Stack, token);
        await listener.Connection.InvokeAsync("SubscribeAll");
        Assert.Equal(HubConnectionState.Connected, listener.Connection.State);

        await Eventually.HoldsAsync(() => listener.Connection.State == HubConnectionState.Disconnected,
            TimeSpan.FromSeconds(30), "the server closes the connection once the token has expired");
    }

    [Fact]
    public async Task A_forged_change_message_reaches_no_subscriber()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Genuine" }))["id"]!.GetValue<string>();
        await using var listener = await Listener.ConnectAsync(Stack, admin.AccessToken);
        await listener.Connection.InvokeAsync("SubscribeAll");

        // Even a process that has Redis's password cannot make an instance deliver what the change feed does not hold.
        await using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(await Stack.ConnectionStringAsync("redis")))
        {
            var channel = StackExchange.Redis.RedisChannel.Literal("phyght:changes");
            // A message as they once were (the whole event), with a real snapshot whose title is changed.
            var snapshot = await Database.ScalarAsync<string>(Stack, "SELECT snapshot::text FROM change_feed WHERE video_id = @id ORDER BY seq DESC LIMIT 1", ("id", Guid.Parse(id)));
            var forged = System.Text.Json.JsonSerializer.Serialize(new
            {
                seq = 999999999,
                videoId = id,
                eventType = "UPDATE",
                snapshot = snapshot.Replace("\"Genuine\"", "\"Forged\""),
                createdAt = DateTimeOffset.UtcNow,
            });
            await redis.GetSubscriber().PublishAsync(channel, forged);
            await redis.GetSubscriber().PublishAsync(channel, "999999999");
        }
        await admin.PutAsync($"/videos-update/{id}", new { title = "Genuine, edited" });

        // Messages reach an instance in order: once the real edit is here, the forgeries were already handled.
        await Eventually.HoldsAsync(() => listener.For(id).Any(e => e.GetProperty("new").GetProperty("title").GetString() == "Genuine, edited"),
            TimeSpan.FromSeconds(10), "the real edit arrives");
        Assert.DoesNotContain(listener.For(id), e => e.GetProperty("new").GetProperty("title").GetString() == "Forged");
        Assert.DoesNotContain(listener.Events, e => e.GetProperty("seq").GetInt64() == 999999999);
    }
}
