using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Hostile;

/// <summary>Each case the "Hostile input" issue measured against the running stack, as a client sends it.</summary>
[Collection(StackCollection.Name)]
public sealed class MeasuredCasesTests(StackFixture fixture)
{
    private PhyghtStack Stack => fixture.Stack;

    private static string Tags(int count) => "[" + string.Join(",", Enumerable.Range(0, count).Select(i => $"\"t{i}\"")) + "]";

    [Fact]
    public async Task Huge_tag_arrays_are_refused_by_size_or_count_and_apply_nothing()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Tags" }))["id"]!.GetValue<string>();
        var op = (int n) => "{\"video_id\":\"" + id + "\",\"operations\":[{\"actor\":\"tab\",\"seq\":1,\"lamport\":1,\"type\":\"set_tags\",\"value\":" + Tags(n) + ",\"context\":{}}]}";

        Assert.Equal(HttpStatusCode.Unauthorized, (await Accounts.Anonymous(Stack).PostAsync("/sync", op(50_000))).Status);
        var (staff, problem) = await admin.PostAsync("/sync", op(50_000));
        Assert.Equal(HttpStatusCode.BadRequest, staff);
        Assert.Contains("operations[0]", problem!["errors"]!.AsObject().Select(e => e.Key));
        var (create, _) = await admin.PostAsync("/videos", $$"""{"title":"t","tags":{{Tags(50_000)}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, create);
        Assert.Equal(1, await Database.CountAsync(Stack, "crdt_operations", id));
    }

    [Theory]
    [InlineData("category=%00", "category")]
    [InlineData("search=%00", "search")]
    [InlineData("search=a%00b", "search")]
    [InlineData("page=502&limit=20", "cursor")]
    public async Task Bad_list_parameters_are_a_400_naming_them(string query, string field)
    {
        var (status, problem) = await Accounts.Anonymous(Stack).GetAsync($"/videos?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem!["errors"]![field] is not null, problem.ToJsonString());
    }

    [Fact]
    public async Task Text_with_nul_and_an_overlong_email_are_a_400_naming_the_field()
    {
        var admin = await Accounts.AdminAsync(Stack);
        foreach (var (body, field) in new[] { ("{\"title\":\"a\\u0000b\"}", "title"), ("{\"title\":\"t\",\"description\":\"\\u0000\"}", "description"), ("{\"title\":\"t\",\"tags\":[\"\\u0000\"]}", "tags") })
        {
            var (status, problem) = await admin.PostAsync("/videos", body);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.True(problem!["errors"]![field] is not null, problem.ToJsonString());
        }
        using var signup = await Stack.CreateApiClient().PostAsJsonAsync("/auth/signup",
            new { email = new string('a', 290) + "@example.test", password = Accounts.Password, username = "longmail", full_name = "L" });
        Assert.Equal(HttpStatusCode.BadRequest, signup.StatusCode);
    }

    [Theory]
    [InlineData(9223372036854775807)]
    [InlineData(9007199254740993)]
    public async Task A_hostile_lamport_is_refused_and_the_title_stays_editable(long lamport)
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Before" }))["id"]!.GetValue<string>();
        var body = $$"""{"video_id":"{{id}}","operations":[{"actor":"tab","seq":1,"lamport":{{lamport}},"type":"update_title","value":"Frozen"}]}""";
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync("/sync", body)).Status);
        var (status, video) = await admin.PutAsync($"/videos-update/{id}", new { title = "After" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("After", video!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_remove_cannot_claim_server_ops_that_do_not_exist_yet()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Pre-remove", tags = new[] { "mma" } }))["id"]!.GetValue<string>();
        var (_, state) = await admin.GetAsync($"/sync?video_id={id}");
        var server = state!["server_vector_clock"]!.AsObject().Single().Key;
        var body = "{\"video_id\":\"" + id + "\",\"operations\":[{\"actor\":\"tab\",\"seq\":1,\"lamport\":5,\"type\":\"remove_tag\",\"value\":\"boxing\",\"context\":{\"" + server + "\":99}}]}";
        var (status, problem) = await admin.PostAsync("/sync", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(server, problem!["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_reader_pulls_a_video_it_may_read_with_an_empty_batch()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Readable" }))["id"]!.GetValue<string>();
        await Database.MakeReadyAsync(Stack, id);
        var user = await Accounts.NewAsync(Stack);
        var (status, pulled) = await user.PostAsync("/sync", new { video_id = id, client_vector_clock = new { }, operations = Array.Empty<object>() });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Single(pulled!["operations"]!.AsArray());
    }

    [Fact]
    public async Task Processing_results_are_small_and_one_video_id_comes_before_the_file()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Results" }))["id"]!.GetValue<string>();
        var big = new string('x', 9 * 1024);
        var (status, problem) = await admin.PutAsync("/videos-upload", new { videoId = id, duration = 1, processingResults = new { big } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem!["errors"]!["processingResults"] is not null);
        // Found by the fuzz suite: text no string can hold, inside the results, was a 500 (jsonb refused it).
        var (surrogate, refusal) = await admin.SendAsync(HttpMethod.Put, "/videos-upload",
            $$"""{"videoId":"{{id}}","duration":1,"processingResults":{"note":"\ud800"} }""");
        Assert.Equal(HttpStatusCode.BadRequest, surrogate);
        Assert.True(refusal!["errors"]!["processingResults"] is not null);

        var other = (await admin.CreateVideoAsync(new { title = "Other" }))["id"]!.GetValue<string>();
        using var request = admin.Request(HttpMethod.Post, "/videos-upload");
        request.Content = new MultipartFormDataContent
        {
            { new StringContent(id), "videoId" },
            { new StringContent(other), "videoId" },
            { new ByteArrayContent([0, 0, 0, 0x18, .. "ftypisom"u8.ToArray(), 0, 0, 0, 0]), "video", "clip.mp4" },
        };
        using var response = await admin.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await Database.CountAsync(Stack, "processing_jobs", id) + await Database.CountAsync(Stack, "processing_jobs", other));
    }

    [Fact]
    public async Task A_reader_chaining_the_sync_cursor_while_eight_actors_write_sees_every_op_exactly_once()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Chained" }))["id"]!.GetValue<string>();
        var writing = true;
        var writers = Enumerable.Range(0, 8).Select(async w =>
        {
            for (var seq = 1; seq <= 15; seq++)
            {
                var (status, body) = await admin.PostAsync("/sync", new
                {
                    video_id = id,
                    operations = new[] { new { actor = $"w{w}", seq, lamport = seq, type = "add_tag", value = $"w{w}-{seq}", context = new Dictionary<string, long> { [$"w{w}"] = seq - 1 } } },
                });
                Assert.True(status == HttpStatusCode.OK, $"writer {w} seq {seq}: {status} {body}");
            }
        }).ToList();
        var all = Task.WhenAll(writers).ContinueWith(_ => writing = false);

        var seen = new List<string>();
        var cursor = "0";
        while (true)
        {
            var stillWriting = writing;
            var (status, page) = await admin.GetAsync($"/sync?video_id={id}&since={cursor}&limit=7");
            Assert.Equal(HttpStatusCode.OK, status);
            seen.AddRange(page!["operations"]!.AsArray().Select(o => $"{o!["actor"]}:{o["seq"]}"));
            cursor = page["cursor"]!.GetValue<string>();
            if (!stillWriting && !page["has_more"]!.GetValue<bool>())
            {
                break;
            }
        }
        await all;
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(1 + 8 * 15, seen.Count);
    }
}
