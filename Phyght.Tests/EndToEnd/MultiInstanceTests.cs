using Microsoft.AspNetCore.SignalR.Client;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Phyght.Tests.Infrastructure;
using Phyght.Tests.Integration;

namespace Phyght.Tests.EndToEnd;

/// <summary>Two API instances (api, api-b) on one database and one Redis: what one instance writes, the other serves
/// and announces.</summary>
public sealed class TwoInstancesFixture : IAsyncLifetime
{
    public PhyghtStack Stack { get; private set; } = null!;

    public async Task InitializeAsync() => Stack = await PhyghtStack.StartAsync(
        extraArgs: ["--Phyght:ExtraApiInstances=1"],
        waitHealthy: [.. PhyghtStack.AllResources, "api-b"]);

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}

public sealed class MultiInstanceTests(TwoInstancesFixture fixture) : IClassFixture<TwoInstancesFixture>
{
    private PhyghtStack Stack => fixture.Stack;

    [Fact]
    public async Task A_client_on_one_instance_receives_changes_written_through_the_other()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var viaB = admin.On(Stack.App.CreateHttpClient("api-b"));
        var id = (await viaB.CreateVideoAsync(new { title = "Cross" }))["id"]!.GetValue<string>();
        await using var onA = await RealtimeTests.Listener.ConnectAsync(Stack, admin.AccessToken, "api");
        await onA.Connection.InvokeAsync("SubscribeAll");

        Assert.Equal(HttpStatusCode.OK, (await viaB.PutAsync($"/videos-update/{id}", new { title = "Written on B" })).Status);

        await Eventually.ReturnsAsync(
            () => Database.ScalarAsync<long>(Stack, "SELECT count(*) FROM change_feed WHERE published_at IS NULL"),
            unpublished => unpublished == 0, TimeSpan.FromSeconds(60), "the outbox drains once Redis is back");
        // The creation may reach A's client too (committed before it subscribed, delivered after): the update is the one asked for.
        var updates = await Eventually.ReturnsAsync(
            () => Task.FromResult(onA.For(id).Where(e => e.GetProperty("eventType").GetString() == "UPDATE").ToList()),
            l => l.Count > 0, TimeSpan.FromSeconds(10), "A's client receives B's change");
        Assert.Equal("Written on B", Assert.Single(updates).GetProperty("new").GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_role_changed_through_one_instance_applies_on_the_other_at_once_whatever_it_remembered()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var draft = (await admin.CreateVideoAsync(new { title = "Staff only" }))["id"]!.GetValue<string>();
        var user = await Accounts.NewAsync(Stack);
        var userOnB = user.On(Stack.App.CreateHttpClient("api-b"));
        // B remembers the plain role (Auth:Roles:Seconds, 30 s).
        Assert.Equal(HttpStatusCode.Forbidden, (await userOnB.PostAsync("/videos", new { title = "Not yet" })).Status);

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/profiles/{user.Id}/role", new { role = "moderator" })).Status);
        await Eventually.ReturnsAsync(async () => (await userOnB.PostAsync("/videos", new { title = $"Promoted {Guid.NewGuid():N}" })).Status,
            status => status == HttpStatusCode.Created, TimeSpan.FromSeconds(5), "B lets the promoted moderator write, long before its memory expires");
        Assert.Equal(HttpStatusCode.OK, (await userOnB.GetAsync($"/videos-update/{draft}")).Status); // now cached on B for staff

        // A staff role is never remembered: the demotion holds on B from its very next request.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/profiles/{user.Id}/role", new { role = "user" })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await userOnB.GetAsync($"/videos-update/{draft}")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await userOnB.PostAsync("/videos", new { title = "After the demotion" })).Status);
    }

    [Fact]
    public async Task A_change_through_one_instance_is_in_the_other_instances_cached_lists_within_a_second()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var viaB = admin.On(Stack.App.CreateHttpClient("api-b"));
        var category = $"x-{Guid.NewGuid():N}"[..20];
        var id = (await admin.CreateVideoAsync(new { title = "Cached on A", category }))["id"]!.GetValue<string>();
        var (_, cached) = await admin.GetAsync($"/videos?category={category}");
        Assert.Equal("Cached on A", cached!["videos"]![0]!["title"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await viaB.PutAsync($"/videos-update/{id}", new { title = "Changed on B" })).Status);

        await Eventually.ReturnsAsync(
            async () => (await admin.GetAsync($"/videos?category={category}")).Body!["videos"]![0]!["title"]!.GetValue<string>(),
            title => title == "Changed on B",
            TimeSpan.FromSeconds(2),
            "A serves B's change");
    }

    [Fact]
    public async Task Concurrent_syncs_through_both_instances_lose_and_duplicate_nothing()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var instances = new[] { admin, admin.On(Stack.App.CreateHttpClient("api-b")) };
        var id = (await admin.CreateVideoAsync(new { title = "Both" }))["id"]!.GetValue<string>();
        var before = await Database.CountAsync(Stack, "crdt_operations", id);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(async client =>
        {
            var responses = new List<HttpStatusCode>();
            for (var batch = 0; batch < 2; batch++)
            {
                var ops = Enumerable.Range(batch * 5 + 1, 5).Select(seq => new
                {
                    actor = $"both-{client}",
                    seq,
                    lamport = seq,
                    type = "add_tag",
                    value = $"b{client}-{seq}",
                    context = new Dictionary<string, long> { [$"both-{client}"] = seq - 1 },
                }).ToArray();
                // Each batch goes to both instances at once: one applies it, the other finds it a duplicate.
                var sent = await Task.WhenAll(instances.Select(i => i.PostAsync("/sync", new { video_id = id, operations = ops })));
                responses.AddRange(sent.Select(s => s.Status));
            }
            return responses;
        }));

        Assert.All(results.SelectMany(r => r), status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(before + 160, await Database.CountAsync(Stack, "crdt_operations", id));
        var (_, video) = await admin.GetAsync($"/videos-update/{id}");
        Assert.Equal(160, video!["tags"]!.AsArray().Count);
        var folded = await VideoTests.FoldAsync(admin, id);
        Assert.Equal(folded.Version, video["version"]!.GetValue<long>());
        Assert.Equal(folded.Tags.ToArray(), video["tags"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray());
    }

    [Fact]
    public async Task While_redis_is_down_writes_go_on_health_degrades_and_afterwards_every_subscriber_gets_every_change_once()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Outage" }))["id"]!.GetValue<string>();
        await using var listener = await RealtimeTests.Listener.ConnectAsync(Stack, admin.AccessToken, "api-b");
        await listener.Connection.InvokeAsync("SubscribeAll");
        var commands = Stack.App.Services.GetRequiredService<ResourceCommandService>();

        Assert.True((await commands.ExecuteCommandAsync("redis", KnownResourceCommands.StopCommand)).Success);
        try
        {
            var health = await Eventually.ReturnsAsync(
                async () => (await admin.GetAsync("/health")).Body!["status"]!.GetValue<string>(),
                status => status != "Healthy", TimeSpan.FromSeconds(30), "the API notices Redis is gone");
            Assert.Equal("Degraded", health);
            for (var i = 0; i < 5; i++)
            {
                var (status, body) = await admin.PutAsync($"/videos-update/{id}", new { description = $"during outage {i}" });
                Assert.True(status == HttpStatusCode.OK, $"write {i} during the outage: {status} {body}");
            }
        }
        finally
        {
            Assert.True((await commands.ExecuteCommandAsync("redis", KnownResourceCommands.StartCommand)).Success);
        }
        await Stack.App.ResourceNotifications.WaitForResourceHealthyAsync("redis").WaitAsync(TimeSpan.FromMinutes(1));

        await Eventually.ReturnsAsync(
            () => Database.ScalarAsync<long>(Stack, "SELECT count(*) FROM change_feed WHERE published_at IS NULL"),
            unpublished => unpublished == 0, TimeSpan.FromSeconds(60), "the outbox drains once Redis is back");
        var received = await Eventually.ReturnsAsync(
            () => Task.FromResult(listener.For(id).Select(e => e.GetProperty("new").GetProperty("description").GetString()).ToList()),
            descriptions => Enumerable.Range(0, 5).All(i => descriptions.Contains($"during outage {i}")),
            TimeSpan.FromSeconds(60),
            "the changes made during the outage arrive once Redis is back");
        var seqs = listener.For(id).Select(e => e.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(seqs.Count, seqs.Distinct().Count());
        Assert.Equal(5, received.Count(d => d!.StartsWith("during outage")));
    }
}
