using System.Net;
using System.Text.Json.Nodes;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>The catalogue as a list: totals, pages, cursors, filters, search, the cache and the OpenAPI document.</summary>
[Collection(StackCollection.Name)]
public sealed class VideoListTests(StackFixture fixture)
{
    private PhyghtStack Stack => fixture.Stack;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    [Fact]
    public async Task Pagination_totals_are_exact_and_a_page_past_the_end_is_empty()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var category = Unique("page");
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await admin.CreateVideoAsync(new { title = $"Video {i}", category }))["id"]!.GetValue<string>());
        }

        var seen = new List<string>();
        for (var page = 1; page <= 4; page++)
        {
            var (status, body) = await admin.GetAsync($"/videos?category={category}&limit=3&page={page}");
            Assert.Equal(HttpStatusCode.OK, status);
            var pagination = body!["pagination"]!;
            Assert.Equal(7, pagination["total"]!.GetValue<long>());
            Assert.Equal(3, pagination["totalPages"]!.GetValue<long>());
            Assert.Equal(page, pagination["page"]!.GetValue<int>());
            Assert.Equal(3, pagination["limit"]!.GetValue<int>());
            var videos = body["videos"]!.AsArray();
            Assert.Equal(page switch { 3 => 1, 4 => 0, _ => 3 }, videos.Count);
            seen.AddRange(videos.Select(v => v!["id"]!.GetValue<string>()));
        }
        // Newest first, each exactly once.
        Assert.Equal(Enumerable.Reverse(ids), seen);

        // Pages past the middle are read from the oldest end; the order is the same whatever the page size.
        foreach (var limit in new[] { 2, 4, 5 })
        {
            var walked = new List<string>();
            for (var page = 1; page <= 8 / limit + 1; page++)
            {
                var (_, body) = await admin.GetAsync($"/videos?category={category}&limit={limit}&page={page}");
                walked.AddRange(body!["videos"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()));
            }
            Assert.Equal(Enumerable.Reverse(ids), walked);
        }
    }

    [Fact]
    public async Task Filters_work_alone_and_combined_and_search_matches_title_or_description_case_insensitively()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var category = Unique("filter");
        var word = Unique("Kimura");
        async Task<string> Make(string title, string? description, bool featured, bool ready)
        {
            var id = (await admin.CreateVideoAsync(new { title, description, category, is_featured = featured }))["id"]!.GetValue<string>();
            if (ready)
            {
                await Database.MakeReadyAsync(Stack, id);
            }
            return id;
        }
        var a = await Make($"The {word} from guard", null, featured: true, ready: true);
        var b = await Make("Armbar", $"a {word.ToUpperInvariant()} finish", featured: false, ready: true);
        var c = await Make("Triangle", "nothing", featured: true, ready: false);

        async Task<string[]> Ids(string query)
        {
            var (status, body) = await admin.GetAsync($"/videos?category={category}&{query}");
            Assert.Equal(HttpStatusCode.OK, status);
            return [.. body!["videos"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()).Order()];
        }
        Assert.Equal(new[] { a, b, c }.Order(), await Ids(""));
        Assert.Equal(new[] { a, c }.Order(), await Ids("featured=true"));
        Assert.Equal(new[] { b }, await Ids("featured=false"));
        Assert.Equal(new[] { a, b }.Order(), await Ids("status=ready"));
        Assert.Equal(new[] { c }, await Ids("status=uploading"));
        Assert.Equal(new[] { a, b }.Order(), await Ids($"search={word.ToLowerInvariant()}"));
        Assert.Equal(new[] { a }, await Ids($"search={word}&featured=true&status=ready"));
        Assert.Equal(new[] { a, b, c }.Order(), await Ids("search=%20%20"));
        Assert.Empty(await Ids("search=%25"));
    }

    [Fact]
    public async Task Walking_every_page_by_cursor_while_videos_are_added_skips_and_repeats_nothing()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var category = Unique("walk");
        var existing = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            existing.Add((await admin.CreateVideoAsync(new { title = $"Walk {i}", category }))["id"]!.GetValue<string>());
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var (status, body) = await admin.GetAsync($"/videos?category={category}&limit=3" + (cursor is null ? "" : $"&cursor={cursor}"));
            Assert.Equal(HttpStatusCode.OK, status);
            seen.AddRange(body!["videos"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()));
            cursor = body["pagination"]!["next_cursor"]?.GetValue<string>();
            await admin.CreateVideoAsync(new { title = "Added during the walk", category });
        }
        while (cursor is not null);

        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Equal(Enumerable.Reverse(existing), seen.Where(existing.Contains));
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/videos?cursor=not-a-cursor")).Status);
    }

    [Fact]
    public async Task Search_matches_words_and_word_prefixes_in_title_or_description()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var category = Unique("search");
        var token = $"zq{Guid.NewGuid():N}"[..12];
        var title = (await admin.CreateVideoAsync(new { title = $"Heel hook {token}", category }))["id"]!.GetValue<string>();
        var description = (await admin.CreateVideoAsync(new { title = "Other", description = $"A {token.ToUpperInvariant()} setup", category }))["id"]!.GetValue<string>();
        await admin.CreateVideoAsync(new { title = "Unrelated", category });

        async Task<string[]> Ids(string search)
        {
            var (status, body) = await admin.GetAsync($"/videos?category={category}&search={Uri.EscapeDataString(search)}");
            Assert.Equal(HttpStatusCode.OK, status);
            return [.. body!["videos"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()).Order()];
        }
        Assert.Equal(new[] { title, description }.Order(), await Ids(token));
        Assert.Equal(new[] { title, description }.Order(), await Ids(token[..6].ToUpperInvariant()));
        Assert.Equal([title], await Ids($"heel {token}"));
        Assert.Equal([title], await Ids("HOO"));
        Assert.Empty(await Ids("ook"));
        Assert.Empty(await Ids("') | (!"));

        // Alone, PostgreSQL reads "000e6..." as a number and splits it; in "Kimura-000e6..." it is one word. The query
        // is split by the same parser as the text, so both find the video (they did not when split in C#).
        var odd = $"000e6{Random.Shared.Next(100, 1000)}d{Guid.NewGuid():N}"[..17];
        var hyphenated = (await admin.CreateVideoAsync(new { title = $"The Kimura-{odd} from guard", category }))["id"]!.GetValue<string>();
        Assert.Equal([hyphenated], await Ids($"kimura-{odd}"));
        Assert.Equal([hyphenated], await Ids($"Kimura-{odd[..9]}"));
    }

    [Fact]
    public async Task Cached_pages_show_a_change_at_once_and_never_serve_a_staff_view_to_readers()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var anonymous = Accounts.Anonymous(Stack);
        var category = Unique("cache");
        var id = (await admin.CreateVideoAsync(new { title = "Before", category }))["id"]!.GetValue<string>();

        var (_, staffView) = await admin.GetAsync($"/videos?category={category}");
        var (_, publicView) = await anonymous.GetAsync($"/videos?category={category}");
        Assert.Single(staffView!["videos"]!.AsArray());
        Assert.Empty(publicView!["videos"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/videos-update/{id}")).Status);

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/videos-update/{id}", new { title = "After" })).Status);
        var (_, list) = await admin.GetAsync($"/videos?category={category}");
        Assert.Equal("After", list!["videos"]![0]!["title"]!.GetValue<string>());
        var (_, single) = await admin.GetAsync($"/videos-update/{id}");
        Assert.Equal("After", single!["title"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/videos-delete/{id}")).Status);
        var (_, afterDelete) = await admin.GetAsync($"/videos?category={category}");
        Assert.Empty(afterDelete!["videos"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/videos-update/{id}")).Status);
    }

    [Fact]
    public async Task The_openapi_document_describes_every_endpoint_with_its_request_bodies()
    {
        var (status, document) = await Accounts.Anonymous(Stack).GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, status);
        var paths = document!["paths"]!.AsObject();
        foreach (var path in new[] { "/videos", "/videos-update/{id}", "/videos-delete/{id}", "/videos/{id}/views", "/videos-upload",
                     "/sync", "/auth/signup", "/auth/token", "/auth/refresh", "/profiles/me", "/profiles/{id}/role" })
        {
            Assert.True(paths.ContainsKey(path), $"{path} is missing from the OpenAPI document");
        }
        var create = document["paths"]!["/videos"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!;
        Assert.Equal(["title"], create["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(200, create["properties"]!["title"]!["maxLength"]!.GetValue<int>());
        var schemas = document["components"]!["schemas"]!.AsObject();
        Assert.True(schemas.ContainsKey("VideoResponse"));
        Assert.True(schemas["VideoResponse"]!["properties"]!.AsObject().ContainsKey("is_featured"));
    }

    [Fact]
    public async Task A_search_matching_more_than_can_be_counted_cheaply_says_its_total_is_an_estimate()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var category = Unique("many");
        var word = $"zz{Guid.NewGuid():N}"[..14];
        await Database.ExecuteAsync(Stack, """
            INSERT INTO videos (id, title, status, vector_clock, version, tags, category, is_featured, view_count, created_at, updated_at, crdt_state)
            SELECT gen_random_uuid(), @word || ' ' || i, 'ready', '{}', 0, '{}', @category, false, 0, now(), now(), '{}'
            FROM generate_series(1, 1005) AS i
            """, ("word", word), ("category", category));

        var (_, many) = await admin.GetAsync($"/videos?search={word}&limit=5");
        var (_, few) = await admin.GetAsync($"/videos?search={word}%201234&limit=5");
        var (_, unsearched) = await admin.GetAsync($"/videos?category={category}&limit=5");

        Assert.Equal(1_000, many!["pagination"]!["total"]!.GetValue<long>());
        Assert.True(many["pagination"]!["total_is_estimate"]!.GetValue<bool>());
        Assert.Equal(5, many["videos"]!.AsArray().Count);
        Assert.False(few!["pagination"]!.AsObject().ContainsKey("total_is_estimate"));
        Assert.Equal(1_005, unsearched!["pagination"]!["total"]!.GetValue<long>());
    }
}
