using System.Net;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>List totals come from counts kept by trigger; they must equal count(*) whatever happened.</summary>
[Collection(StackCollection.Name)]
public sealed class CountTests(StackFixture fixture)
{
    private PhyghtStack Stack => fixture.Stack;

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public async Task Totals_equal_count_star_for_every_filter_after_random_concurrent_changes(int seed)
    {
        var random = new Random(seed);
        var admin = await Accounts.AdminAsync(Stack);
        var categories = new[] { $"c{seed}-a-{Guid.NewGuid():N}"[..20], $"c{seed}-b-{Guid.NewGuid():N}"[..20] };
        var ids = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            ids.Add((await admin.CreateVideoAsync(new { title = $"Count {i}", category = categories[i % 2], is_featured = random.Next(2) == 0 }))["id"]!.GetValue<string>());
        }

        // Random edits, status changes and deletes, several at once.
        var actions = Enumerable.Range(0, 30).Select(_ => (Kind: random.Next(5), Id: ids[random.Next(ids.Count)], Flag: random.Next(2) == 0, Category: categories[random.Next(2)])).ToList();
        await Task.WhenAll(actions.Select(async a =>
        {
            switch (a.Kind)
            {
                case 0: await admin.PutAsync($"/videos-update/{a.Id}", new { is_featured = a.Flag }); break;
                case 1: await admin.PutAsync($"/videos-update/{a.Id}", new { category = a.Category }); break;
                case 2: await Database.MakeReadyAsync(Stack, a.Id); break;
                case 3: await admin.DeleteAsync($"/videos-delete/{a.Id}"); break;
                default: await admin.DeleteAsync($"/videos-delete/{a.Id}?hard=true"); break;
            }
        }));

        var anonymous = Accounts.Anonymous(Stack);
        foreach (var category in categories)
        {
            foreach (var status in new[] { "", "ready", "uploading" })
            {
                foreach (var featured in new[] { "", "true", "false" })
                {
                    var query = $"category={category}&status={status}&featured={featured}";
                    var where = $"deleted_at IS NULL AND category = @c" + (status == "" ? "" : $" AND status = '{status}'") + (featured == "" ? "" : $" AND is_featured = {featured}");
                    var expected = await Database.ScalarAsync<long>(Stack, $"SELECT count(*) FROM videos WHERE {where}", ("c", category));
                    var (status1, body) = await admin.GetAsync($"/videos?{query}");
                    Assert.Equal(HttpStatusCode.OK, status1);
                    Assert.True(expected == body!["pagination"]!["total"]!.GetValue<long>(), $"seed {seed}, staff, {query}: expected {expected}, got {body["pagination"]}");

                    var publicExpected = await Database.ScalarAsync<long>(Stack, $"SELECT count(*) FROM videos WHERE {where} AND status = 'ready'", ("c", category));
                    var (_, publicBody) = await anonymous.GetAsync($"/videos?{query}");
                    Assert.True(publicExpected == publicBody!["pagination"]!["total"]!.GetValue<long>(), $"seed {seed}, anonymous, {query}");
                }
            }
        }
    }

    [Fact]
    public async Task Opposite_moves_between_two_buckets_at_once_never_deadlock()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var (a, b) = ($"move-a-{Guid.NewGuid():N}"[..20], $"move-b-{Guid.NewGuid():N}"[..20]);
        var inA = new List<string>();
        var inB = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            inA.Add((await admin.CreateVideoAsync(new { title = $"Mover a{i}", category = a }))["id"]!.GetValue<string>());
            inB.Add((await admin.CreateVideoAsync(new { title = $"Mover b{i}", category = b }))["id"]!.GetValue<string>());
        }
        for (var round = 0; round < 25; round++)
        {
            // Half the videos move one way while the other half move the other: each move updates both buckets.
            var (toA, toB) = round % 2 == 0 ? (b, a) : (a, b);
            var moves = inA.Select(id => admin.PutAsync($"/videos-update/{id}", new { category = toA }))
                .Concat(inB.Select(id => admin.PutAsync($"/videos-update/{id}", new { category = toB })));
            foreach (var (status, body) in await Task.WhenAll(moves))
            {
                Assert.True(status == HttpStatusCode.OK, $"round {round}: {status} {body}");
            }
        }
        Assert.Equal(4, await Database.ScalarAsync<long>(Stack, "SELECT count FROM video_counts WHERE category = @c", ("c", a)));
        Assert.Equal(4, await Database.ScalarAsync<long>(Stack, "SELECT count FROM video_counts WHERE category = @c", ("c", b)));
    }
}
