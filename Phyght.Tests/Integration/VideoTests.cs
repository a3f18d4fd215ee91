using System.Net;
using System.Text.Json.Nodes;
using Phyght.Core.Crdt;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

[Collection(StackCollection.Name)]
public sealed class VideoTests(StackFixture fixture)
{
    private PhyghtStack Stack => fixture.Stack;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    [Fact]
    public async Task Create_returns_the_video_shape_of_api_md_field_by_field()
    {
        var moderator = await Accounts.NewAsync(Stack, "moderator");
        using var request = moderator.Request(HttpMethod.Post, "/videos",
            new { title = "  Main event  ", description = "Round 1", category = "MMA", tags = new[] { " MMA ", "mma", "BJJ" }, is_featured = true });
        using var response = await moderator.Http.SendAsync(request);
        var video = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = video["id"]!.GetValue<string>();
        Assert.True(Guid.TryParse(id, out _));
        Assert.Equal($"/videos-update/{id}", response.Headers.Location?.ToString());
        Assert.Equal("Main event", video["title"]!.GetValue<string>());
        Assert.Equal("Round 1", video["description"]!.GetValue<string>());
        Assert.Equal("MMA", video["category"]!.GetValue<string>());
        Assert.Equal(["bjj", "mma"], video["tags"]!.AsArray().Select(t => t!.GetValue<string>()).Order());
        Assert.True(video["is_featured"]!.GetValue<bool>());
        Assert.Equal("uploading", video["status"]!.GetValue<string>());
        foreach (var empty in new[] { "duration", "file_size", "mime_type", "file_path", "thumbnail_path", "video_url", "thumbnail_url", "deleted_at" })
        {
            Assert.True(video.AsObject().ContainsKey(empty), $"missing {empty}");
            Assert.Null(video[empty]);
        }
        Assert.Equal(0, video["view_count"]!.GetValue<long>());
        Assert.Equal(5, video["version"]!.GetValue<long>());
        Assert.Equal(5, video["vector_clock"]!.AsObject().Sum(e => e.Value!.GetValue<long>()));
        Assert.Equal(moderator.Id.ToString(), video["last_modified_by"]!.GetValue<string>());
        Assert.True(DateTimeOffset.TryParse(video["created_at"]!.GetValue<string>(), out _));
        Assert.True(DateTimeOffset.TryParse(video["updated_at"]!.GetValue<string>(), out _));

        var (status, fetched) = await moderator.GetAsync($"/videos-update/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(video["title"]!.ToJsonString(), fetched!["title"]!.ToJsonString());
        Assert.Equal(video["vector_clock"]!.ToJsonString(), fetched["vector_clock"]!.ToJsonString());
    }

    [Fact]
    public async Task Update_applies_fields_and_refuses_a_stale_vector_clock_with_the_seed_body()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var moderator = await Accounts.NewAsync(Stack, "moderator");
        var video = await admin.CreateVideoAsync(new { title = "Original", description = "d" });
        var id = video["id"]!.GetValue<string>();
        var clock = video["vector_clock"]!.DeepClone();

        var (status, updated) = await moderator.PutAsync($"/videos-update/{id}", new { title = "Renamed", tags = new[] { "judo" }, vector_clock = clock });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Renamed", updated!["title"]!.GetValue<string>());
        Assert.Equal("d", updated["description"]!.GetValue<string>());
        Assert.Equal(["judo"], updated["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(video["version"]!.GetValue<long>() + 2, updated["version"]!.GetValue<long>());

        // The old clock has not seen the moderator's title: a second title edit with it is stale.
        var (stale, conflict) = await admin.PutAsync($"/videos-update/{id}", new { title = "Lost", vector_clock = clock });
        Assert.Equal(HttpStatusCode.Conflict, stale);
        Assert.Equal("Conflict detected: Server has newer changes. Please refresh and try again.", conflict!["error"]!.GetValue<string>());
        Assert.Equal("vector_clock_mismatch", conflict["conflict_type"]!.GetValue<string>());
        Assert.Equal(updated["version"]!.GetValue<long>(), conflict["server_version"]!.GetValue<long>());
        Assert.Equal(updated["vector_clock"]!.ToJsonString(), conflict["server_vector_clock"]!.ToJsonString());

        // A field the old clock's holder had not lost (description) still applies; so does any edit without a clock.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/videos-update/{id}", new { description = "New", vector_clock = clock })).Status);
        var (_, last) = await admin.PutAsync($"/videos-update/{id}", new { title = "Last writer" });
        Assert.Equal("Last writer", last!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Anonymous_callers_never_see_unready_or_deleted_videos_by_list_or_by_id()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var anonymous = Accounts.Anonymous(Stack);
        var user = await Accounts.NewAsync(Stack);
        var category = Unique("vis");
        var ready = (await admin.CreateVideoAsync(new { title = "Ready", category }))["id"]!.GetValue<string>();
        var unready = (await admin.CreateVideoAsync(new { title = "Unready", category }))["id"]!.GetValue<string>();
        var deleted = (await admin.CreateVideoAsync(new { title = "Deleted", category }))["id"]!.GetValue<string>();
        await Database.MakeReadyAsync(Stack, ready);
        await Database.MakeReadyAsync(Stack, deleted);
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/videos-delete/{deleted}")).Status);

        foreach (var reader in new[] { anonymous, user })
        {
            var (_, list) = await reader.GetAsync($"/videos?category={category}");
            Assert.Equal([ready], list!["videos"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()));
            Assert.Equal(1, list["pagination"]!["total"]!.GetValue<long>());
            var (_, asked) = await reader.GetAsync($"/videos?category={category}&status=uploading");
            Assert.Empty(asked!["videos"]!.AsArray());
            Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/videos-update/{ready}")).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync($"/videos-update/{unready}")).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync($"/videos-update/{deleted}")).Status);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/videos-update/{deleted}")).Status);
    }

    [Fact]
    public async Task Fifty_parallel_updates_by_different_users_lose_no_op_and_the_row_is_the_fold_of_the_log()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var editors = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Accounts.NewAsync(Stack, "moderator")));
        var video = await admin.CreateVideoAsync(new { title = "Contested" });
        var id = video["id"]!.GetValue<string>();
        var before = video["version"]!.GetValue<long>();

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => editors[i % editors.Length].PutAsync($"/videos-update/{id}", (i % 3) switch
        {
            0 => (object)new { description = $"description {i}" },
            1 => new { category = $"category {i}" },
            _ => new { tags = new[] { $"tag{i}" } },
        })));

        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        var (_, final) = await admin.GetAsync($"/videos-update/{id}");
        Assert.Equal(before + 50, final!["version"]!.GetValue<long>());
        Assert.Equal(before + 50, await Database.CountAsync(Stack, "crdt_operations", id));
        Assert.StartsWith("description ", final["description"]!.GetValue<string>());
        Assert.StartsWith("category ", final["category"]!.GetValue<string>());

        var folded = await FoldAsync(admin, id);
        Assert.Equal(folded.Title.Value, final["title"]!.GetValue<string>());
        Assert.Equal(folded.Description.Value, final["description"]!.GetValue<string>());
        Assert.Equal(folded.Category.Value, final["category"]!.GetValue<string>());
        Assert.Equal(folded.Tags.ToArray(), final["tags"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray());
        Assert.Equal(folded.Version, final["version"]!.GetValue<long>());
    }

    /// <summary>Folds the video's whole op log (from GET /sync) with the pure CRDT library.</summary>
    internal static async Task<VideoDocument> FoldAsync(ApiUser reader, string id)
    {
        var (_, sync) = await reader.GetAsync($"/sync?video_id={id}");
        return VideoDocument.Fold(sync!["operations"]!.AsArray().Select(o => OperationRules.Validate(
            System.Text.Json.JsonSerializer.Deserialize<OperationInput>(o!.ToJsonString(),
                new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!, out _)!));
    }

    [Fact]
    public async Task A_hundred_parallel_views_count_exactly_a_hundred()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Viral" }))["id"]!.GetValue<string>();
        await Database.MakeReadyAsync(Stack, id);
        var anonymous = Accounts.Anonymous(Stack);

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => anonymous.PostAsync($"/videos/{id}/views", null)));

        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        var (_, video) = await anonymous.GetAsync($"/videos-update/{id}");
        Assert.Equal(100, video!["view_count"]!.GetValue<long>());
        Assert.Equal(video["version"]!.GetValue<long>(), await Database.CountAsync(Stack, "crdt_operations", id));
    }

    [Fact]
    public async Task Soft_delete_hides_the_video_and_hard_delete_removes_row_and_ops()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var soft = (await admin.CreateVideoAsync(new { title = "Soft" }))["id"]!.GetValue<string>();
        var hard = (await admin.CreateVideoAsync(new { title = "Hard", tags = new[] { "x" } }))["id"]!.GetValue<string>();

        var (softStatus, softBody) = await admin.DeleteAsync($"/videos-delete/{soft}");
        Assert.Equal(HttpStatusCode.OK, softStatus);
        Assert.Equal("soft", softBody!["deleted"]!.GetValue<string>());
        Assert.Equal(soft, softBody["id"]!.GetValue<string>());
        Assert.Equal(1, await Database.CountAsync(Stack, "videos", soft));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/videos-delete/{soft}")).Status);

        var (hardStatus, hardBody) = await admin.DeleteAsync($"/videos-delete/{hard}?hard=true");
        Assert.Equal(HttpStatusCode.OK, hardStatus);
        Assert.Equal("hard", hardBody!["deleted"]!.GetValue<string>());
        Assert.Equal(0, await Database.CountAsync(Stack, "videos", hard));
        Assert.Equal(0, await Database.CountAsync(Stack, "crdt_operations", hard));
        Assert.Equal(0, await Database.CountAsync(Stack, "processing_jobs", hard));
    }

    public static TheoryData<string, string, string?, int> BadInputs => new()
    {
        { "POST", "/videos", """{"description":"no title"}""", 400 },
        { "POST", "/videos", """{"title":"   "}""", 400 },
        { "POST", "/videos", """{"title":123}""", 400 },
        { "POST", "/videos", """{"title":"x","tags":["ok",""]}""", 400 },
        { "POST", "/videos", """{"title":"x","tags":"mma"}""", 400 },
        { "POST", "/videos", """{"title":"x","is_featured":"yes"}""", 400 },
        { "POST", "/videos", "{not json", 400 },
        { "POST", "/videos", """["array"]""", 400 },
        { "PUT", "/videos-update/{id}", """{"title":""}""", 400 },
        { "PUT", "/videos-update/{id}", """{"vector_clock":{"a":-1},"title":"x"}""", 400 },
        { "PUT", "/videos-update/{id}", "{broken", 400 },
        { "PUT", "/videos-update/not-a-uuid", """{"title":"x"}""", 404 },
        { "GET", "/videos-update/not-a-uuid", null, 404 },
        { "PUT", "/videos-update/00000000-0000-0000-0000-000000000001", """{"title":"x"}""", 404 },
        { "GET", "/videos?limit=0", null, 400 },
        { "GET", "/videos?limit=101", null, 400 },
        { "GET", "/videos?page=0", null, 400 },
        { "GET", "/videos?page=abc", null, 400 },
        { "GET", "/videos?status=published", null, 400 },
        { "GET", "/videos?featured=maybe", null, 400 },
        { "GET", "/videos?search=" + new string('a', 201), null, 400 },
        { "DELETE", "/videos-delete/{id}?hard=perhaps", null, 400 },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_gets_its_4xx_as_problem_details_and_changes_nothing(string method, string path, string? body, int expected)
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Untouched" }))["id"]!.GetValue<string>();
        var videosBefore = await Database.ScalarAsync<long>(Stack, "SELECT count(*) FROM videos");
        var opsBefore = await Database.ScalarAsync<long>(Stack, "SELECT count(*) FROM crdt_operations");

        using var request = admin.Request(new HttpMethod(method), path.Replace("{id}", id), body);
        using var response = await admin.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True((int)response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal(expected, problem["status"]!.GetValue<int>());
        Assert.Equal(problem["detail"]!.GetValue<string>(), problem["error"]!.GetValue<string>());
        Assert.DoesNotContain("   at ", text);
        Assert.Equal(videosBefore, await Database.ScalarAsync<long>(Stack, "SELECT count(*) FROM videos"));
        Assert.Equal(opsBefore, await Database.ScalarAsync<long>(Stack, "SELECT count(*) FROM crdt_operations"));
        var (_, video) = await admin.GetAsync($"/videos-update/{id}");
        Assert.Equal("Untouched", video!["title"]!.GetValue<string>());
    }
}
