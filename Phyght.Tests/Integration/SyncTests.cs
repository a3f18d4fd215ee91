using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Phyght.Core.Crdt;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

[Collection(StackCollection.Name)]
public sealed class SyncTests(StackFixture fixture)
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private PhyghtStack Stack => fixture.Stack;

    /// <summary>A replica as a frontend keeps one: its document, its own actor's ops, and a lamport it allocates.</summary>
    private sealed class Client(string actor, VideoDocument start)
    {
        public string Actor { get; } = actor;
        public VideoDocument Document { get; private set; } = start;
        public List<Operation> Outbox { get; } = [];

        public void Edit(OpType type, OpValue value)
        {
            var op = new Operation(Actor, Document.Clock[Actor] + 1, Document.MaxLamport + 1, type, value, Document.Clock);
            Document = Document.Apply(op, out _);
            Outbox.Add(op);
        }

        public object Body(string videoId) => new
        {
            video_id = videoId,
            client_vector_clock = Document.Clock.Entries,
            client_version = Document.Version,
            operations = Outbox.Select(ToJson).ToArray(),
        };

        public void Receive(JsonNode response)
        {
            Outbox.Clear();
            foreach (var op in response["operations"]!.AsArray().Select(FromJson))
            {
                Document = Document.Apply(op, out _);
            }
        }
    }

    internal static object ToJson(Operation op) => new
    {
        actor = op.Actor,
        seq = op.Seq,
        lamport = op.Lamport,
        type = op.Type.ToName(),
        value = op.Type switch
        {
            OpType.SetTags => (object)op.Value.Tags.ToArray(),
            OpType.UpdateFeatured => op.Value.Flag,
            _ => op.Value.Text,
        },
        context = op.Context?.Entries,
    };

    internal static Operation FromJson(JsonNode? json) =>
        OperationRules.Validate(JsonSerializer.Deserialize<OperationInput>(json!.ToJsonString(), Web)!, out var error)
        ?? throw new InvalidOperationException(error);

    private static void AssertSame(VideoDocument client, JsonNode server)
    {
        Assert.Equal(server["title"]!.GetValue<string>(), client.Title.Value);
        Assert.Equal(server["description"]?.GetValue<string>(), client.Description.Value);
        Assert.Equal(server["category"]?.GetValue<string>(), client.Category.Value);
        Assert.Equal(server["is_featured"]!.GetValue<bool>(), client.Featured.Value);
        Assert.Equal(server["tags"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray(), client.Tags.ToArray());
        Assert.Equal(server["version"]!.GetValue<long>(), client.Version);
    }

    public static TheoryData<string> Orders => ["abc", "acb", "bac", "bca", "cab", "cba"];

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Three_offline_clients_converge_with_the_server_whatever_order_they_sync_in(string order)
    {
        var admin = await Accounts.AdminAsync(Stack);
        var video = await admin.CreateVideoAsync(new { title = "Offline", tags = new[] { "mma", "bjj" } });
        var id = video["id"]!.GetValue<string>();
        var (_, initial) = await admin.GetAsync($"/sync?video_id={id}");
        var start = VideoDocument.Fold(initial!["operations"]!.AsArray().Select(FromJson));

        var clients = new Dictionary<char, Client> { ['a'] = new("tab-a", start), ['b'] = new("phone-b", start), ['c'] = new("tab-c", start) };
        clients['a'].Edit(OpType.UpdateTitle, OpValue.OfText("Title from a"));
        clients['a'].Edit(OpType.RemoveTag, OpValue.OfText("mma"));
        clients['b'].Edit(OpType.UpdateTitle, OpValue.OfText("Title from b"));
        clients['b'].Edit(OpType.AddTag, OpValue.OfText("mma"));
        clients['b'].Edit(OpType.UpdateDescription, OpValue.OfText("b's notes"));
        clients['c'].Edit(OpType.SetTags, OpValue.OfTags(["judo"]));
        clients['c'].Edit(OpType.UpdateFeatured, OpValue.OfFlag(true));

        foreach (var name in order)
        {
            var (status, response) = await admin.PostAsync("/sync", clients[name].Body(id));
            Assert.True(status == HttpStatusCode.OK, $"{name}: {status} {response}");
            clients[name].Receive(response!);
        }
        // A second round brings everyone the ops synced after them.
        JsonNode? merged = null;
        foreach (var client in clients.Values)
        {
            var (_, response) = await admin.PostAsync("/sync", client.Body(id));
            client.Receive(response!);
            merged = response!["merged_video"];
        }

        foreach (var client in clients.Values)
        {
            AssertSame(client.Document, merged!);
        }
        // b's add of mma was concurrent with a's remove: add wins; c's set_tags had seen neither.
        Assert.Equal(["judo", "mma"], merged!["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        AssertSame(await VideoTests.FoldAsync(admin, id), merged);
    }

    [Fact]
    public async Task The_response_reports_sync_type_action_and_exactly_the_ops_the_client_lacks()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Delta" }))["id"]!.GetValue<string>();
        var (_, all) = await admin.GetAsync($"/sync?video_id={id}");
        var serverOps = all!["operations"]!.AsArray();
        Assert.Single(serverOps);
        var serverClock = all["server_vector_clock"]!.DeepClone();

        var (_, behind) = await admin.PostAsync("/sync", new { video_id = id, client_vector_clock = new { } });
        Assert.Equal("fast_forward", behind!["sync_type"]!.GetValue<string>());
        Assert.Equal("applied_remote", behind["action"]!.GetValue<string>());
        Assert.Single(behind["operations"]!.AsArray());

        var (_, equal) = await admin.PostAsync("/sync", new { video_id = id, client_vector_clock = serverClock });
        Assert.Equal("up_to_date", equal!["sync_type"]!.GetValue<string>());
        Assert.Empty(equal["operations"]!.AsArray());

        var op = new { actor = "tab-x", seq = 1, lamport = 5, type = "update_category", value = "Boxing", context = serverClock };
        var (_, ahead) = await admin.PostAsync("/sync", new { video_id = id, client_vector_clock = serverClock, operations = new[] { op } });
        Assert.Equal("client_ahead", ahead!["sync_type"]!.GetValue<string>());
        Assert.Equal("accepted_client", ahead["action"]!.GetValue<string>());
        Assert.Empty(ahead["operations"]!.AsArray());
        Assert.Equal(5, ahead["server_lamport"]!.GetValue<long>());
        Assert.Equal("Boxing", ahead["merged_video"]!["category"]!.GetValue<string>());
        var cursor = ahead["cursor"]!.GetValue<string>();

        // The same op again is a duplicate: nothing changes, and the client, holding only it, is behind.
        var (_, again) = await admin.PostAsync("/sync", new { video_id = id, client_vector_clock = new { }, operations = new[] { op } });
        Assert.Equal(2, again!["server_version"]!.GetValue<long>());
        Assert.Equal("fast_forward", again["sync_type"]!.GetValue<string>());
        Assert.Single(again["operations"]!.AsArray());

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/videos-update/{id}", new { title = "After cursor" })).Status);
        var (_, delta) = await admin.GetAsync($"/sync?video_id={id}&since={cursor}");
        Assert.Equal(["update_title"], delta!["operations"]!.AsArray().Select(o => o!["type"]!.GetValue<string>()));
        var (_, byTime) = await admin.GetAsync($"/sync?video_id={id}&since={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O"))}");
        Assert.Equal(3, byTime!["operations"]!.AsArray().Count);
        Assert.NotNull(byTime["operations"]![0]!["received_at"]);
        Assert.NotNull(byTime["operations"]![0]!["author"]);
    }

    [Fact]
    public async Task A_client_lacking_more_than_a_page_gets_the_oldest_in_arrival_order_and_the_rest_next()
    {
        await using var api = await InProcessApi.StartAsync(Stack, new Dictionary<string, string>
        {
            ["Sync:MaxPullLimit"] = "10",
            ["Sync:DefaultPullLimit"] = "10",
        });
        var admin = (await Accounts.AdminAsync(Stack)).On(api.CreateClient());
        var id = (await admin.CreateVideoAsync(new { title = "Paged" }))["id"]!.GetValue<string>();

        // Two devices' batches interleave in the log: a 1-10, b 1-10, a 11-20, b 11-20.
        var (a, b) = ($"paged-a-{Guid.NewGuid():N}", $"paged-b-{Guid.NewGuid():N}");
        foreach (var first in new[] { 1, 11 })
        {
            foreach (var actor in new[] { a, b })
            {
                var ops = SyncOps.AddTags(actor, Enumerable.Range(first, 10).Select(seq => (long)seq));
                var (status, _) = await admin.PostAsync("/sync", new { video_id = id, client_vector_clock = new { }, operations = ops });
                Assert.Equal(HttpStatusCode.OK, status);
            }
        }
        var log = new List<string>();
        for (string? cursor = null; log.Count < 100;)
        {
            var (status, page) = await admin.GetAsync($"/sync?video_id={id}" + (cursor is null ? "" : $"&since={cursor}"));
            Assert.Equal(HttpStatusCode.OK, status);
            log.AddRange(page!["operations"]!.AsArray().Select(Dot));
            cursor = page["cursor"]!.GetValue<string>();
            if (!page["has_more"]!.GetValue<bool>())
            {
                break;
            }
        }
        Assert.Equal(40, log.Count(d => d.StartsWith("paged-", StringComparison.Ordinal)));

        // A client with nothing pulls page after page, each time with the clock of what it holds (each actor's ops it
        // got are a prefix of that actor's): first while it lacks more than a page, then less; every answer is the
        // next slice of the log.
        var held = new List<string>();
        var clock = new Dictionary<string, long>();
        for (var more = true; more && held.Count < 100;)
        {
            var (status, answer) = await admin.PostAsync("/sync", new { video_id = id, client_vector_clock = clock });
            Assert.Equal(HttpStatusCode.OK, status);
            var received = answer!["operations"]!.AsArray();
            more = answer["has_more"]!.GetValue<bool>();
            Assert.Equal(log.Skip(held.Count).Take(10), received.Select(Dot));
            Assert.Equal(more, held.Count + received.Count < log.Count);
            held.AddRange(received.Select(Dot));
            foreach (var op in received)
            {
                clock[op!["actor"]!.GetValue<string>()] = op["seq"]!.GetValue<long>();
            }
        }
        Assert.Equal(log, held);

        static string Dot(JsonNode? op) => $"{op!["actor"]!.GetValue<string>()}:{op["seq"]!.GetValue<long>()}";
    }

    public static TheoryData<string, int, string> Rejections => new()
    {
        { "invalid-second-op", 400, "operations[1]" },
        { "reserved-actor", 400, "operations[0]" },
        { "gap", 422, "missing" },
        { "reused-dot", 409, "reuses dot" },
        { "lamport-not-growing", 400, "lamport" },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task A_rejected_batch_applies_nothing(string kind, int expected, string mentions)
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Guarded" }))["id"]!.GetValue<string>();
        var first = new { actor = "tab-r", seq = 1, lamport = 10, type = "add_tag", value = "kept", context = new { } };
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/sync", new { video_id = id, operations = new[] { first } })).Status);
        var before = await Database.CountAsync(Stack, "crdt_operations", id);

        var good = new { actor = "tab-s", seq = 1, lamport = 11, type = "update_title", value = "Should not apply", context = new { } };
        object[] ops = kind switch
        {
            "invalid-second-op" => [good, new { actor = "tab-s", seq = 2, lamport = 12, type = "update_featured", value = "yes", context = new { } }],
            "reserved-actor" => [new { actor = "server-evil", seq = 1, lamport = 12, type = "add_tag", value = "x", context = new { } }],
            "gap" => [good, new { actor = "tab-s", seq = 4, lamport = 12, type = "add_tag", value = "x", context = new { } }],
            "reused-dot" => [good, new { actor = "tab-r", seq = 1, lamport = 10, type = "add_tag", value = "different", context = new { } }],
            _ => [good, new { actor = "tab-r", seq = 2, lamport = 9, type = "add_tag", value = "late", context = new { } }],
        };
        var (status, problem) = await admin.PostAsync("/sync", new { video_id = id, operations = ops });

        Assert.True((int)status == expected, $"{kind}: {status} {problem}");
        Assert.Contains(mentions, problem!.ToJsonString());
        Assert.Equal(before, await Database.CountAsync(Stack, "crdt_operations", id));
        var (_, video) = await admin.GetAsync($"/videos-update/{id}");
        Assert.Equal("Guarded", video!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Concurrent_syncs_to_one_video_lose_and_duplicate_nothing()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Busy" }))["id"]!.GetValue<string>();
        var before = await Database.CountAsync(Stack, "crdt_operations", id);

        // 16 clients each send 10 ops in 2 batches of 5, all at once; every batch also goes twice.
        var batches = Enumerable.Range(0, 16).SelectMany(c => Enumerable.Range(0, 2).Select(b => new
        {
            video_id = id,
            operations = Enumerable.Range(b * 5 + 1, 5).Select(seq => (object)new
            {
                actor = $"client-{c}",
                seq,
                lamport = seq,
                type = "add_tag",
                value = $"t{c}-{seq}",
                context = new Dictionary<string, long> { [$"client-{c}"] = seq - 1 },
            }).ToArray(),
            batch = b,
            client = c,
        })).ToList();
        await Task.WhenAll(batches.Where(b => b.batch == 0).Concat(batches.Where(b => b.batch == 0)).Select(b => admin.PostAsync("/sync", b)));
        var second = await Task.WhenAll(batches.Where(b => b.batch == 1).Select(b => admin.PostAsync("/sync", b)));

        Assert.All(second, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(before + 160, await Database.CountAsync(Stack, "crdt_operations", id));
        var (_, video) = await admin.GetAsync($"/videos-update/{id}");
        Assert.Equal(160, video!["tags"]!.AsArray().Count);
        AssertSame(await VideoTests.FoldAsync(admin, id), video);
    }

    /// <summary>Batches for one video that arrive together are applied in one transaction (group commit); each is still
    /// judged on its own, against what the ones before it left.</summary>
    [Fact]
    public async Task Batches_arriving_together_are_each_judged_alone_and_a_refused_one_changes_nothing()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Crowded" }))["id"]!.GetValue<string>();
        var held = new { actor = "tab-held", seq = 1, lamport = 5, type = "add_tag", value = "held", context = new { } };
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/sync", new { video_id = id, operations = new[] { held } })).Status);
        var before = await Database.CountAsync(Stack, "crdt_operations", id);
        object Op(string actor, long seq, string value, long lamport = 0) =>
            new { actor, seq, lamport = lamport == 0 ? 100 + seq : lamport, type = "add_tag", value, context = new Dictionary<string, long> { [actor] = seq - 1 } };

        var good = Enumerable.Range(0, 12).Select(c => new[] { Op($"tab-{c}", 1, $"good-{c}"), Op($"tab-{c}", 2, $"good-{c}b") }).ToArray();
        var refused = new (int Status, object[] Ops)[]
        {
            (422, [Op("tab-gap", 1, "gap-a"), Op("tab-gap", 3, "gap-b")]),
            (409, [Op("tab-late", 1, "reused-a"), new { held.actor, held.seq, held.lamport, held.type, value = "not what was held", held.context }]),
            (400, [Op("tab-far", 1, "far-a"), Op("tab-far", 2, "far-b", lamport: 9_000_000)]),
        };
        // Two devices claiming the same new dot with different bodies: whichever comes first wins, the other is refused.
        var rivals = new[] { new[] { Op("tab-rival", 1, "rival-a") }, new[] { Op("tab-rival", 1, "rival-b") } };
        var sent = good.Select(ops => (Expected: 200, Ops: ops.Cast<object>().ToArray()))
            .Concat(refused.Select(r => (Expected: r.Status, r.Ops)))
            .Concat(rivals.Select(ops => (Expected: 0, Ops: ops.Cast<object>().ToArray())))
            .ToArray();

        var answers = await Task.WhenAll(sent.Select(s => admin.PostAsync("/sync", new { video_id = id, operations = s.Ops })));

        for (var i = 0; i < sent.Length - rivals.Length; i++)
        {
            Assert.True((int)answers[i].Status == sent[i].Expected, $"batch {i}: {answers[i].Status} {answers[i].Body}");
        }
        var rivalStatuses = answers[^2..].Select(a => (int)a.Status).Order().ToArray();
        Assert.Equal([200, 409], rivalStatuses);
        var (_, video) = await admin.GetAsync($"/videos-update/{id}");
        var tags = video!["tags"]!.AsArray().Select(t => t!.GetValue<string>()).ToHashSet();
        Assert.Equal(before + 12 * 2 + 1, await Database.CountAsync(Stack, "crdt_operations", id));
        Assert.All(good.SelectMany(g => new[] { $"good-{Array.IndexOf(good, g)}", $"good-{Array.IndexOf(good, g)}b" }), tag => Assert.Contains(tag, tags));
        Assert.DoesNotContain(tags, t => t.StartsWith("gap-") || t.StartsWith("reused-") || t.StartsWith("far-"));
        var winner = answers[^2].Status == HttpStatusCode.OK ? "rival-a" : "rival-b";
        Assert.Contains(winner, tags);
        Assert.DoesNotContain(winner == "rival-a" ? "rival-b" : "rival-a", tags);
        AssertSame(await VideoTests.FoldAsync(admin, id), video);
    }
}
