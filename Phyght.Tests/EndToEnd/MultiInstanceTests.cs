using Microsoft.AspNetCore.SignalR.Client;
using System.Net;
using Phyght.Tests.Infrastructure;
using Phyght.Tests.Integration;

namespace Phyght.Tests.EndToEnd;

/// <summary>Two API instances (api, api-b) on one database and one Redis: what one instance writes, the other serves
/// and announces.</summary>
public sealed class TwoInstancesFixture : IAsyncLifetime
{
    public PhyghtStack Stack { get; private set; } = null!;

    public async Task InitializeAsync() => Stack = await PhyghtStack.StartAsync(
        extraArgs: ["--Phyght:SecondApiInstance=true"],
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

        var received = await Eventually.ReturnsAsync(() => Task.FromResult(onA.For(id).ToList()), l => l.Count > 0, TimeSpan.FromSeconds(10), "A's client receives B's change");
        Assert.Equal("Written on B", received[0].GetProperty("new").GetProperty("title").GetString());
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
}
