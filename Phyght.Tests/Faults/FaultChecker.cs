using System.Text.Json;
using Azure.Storage.Blobs;
using Phyght.Tests.Infrastructure;
using Phyght.Tests.Integration;

namespace Phyght.Tests.Faults;

/// <summary>What must hold after any fault: acknowledged writes kept, every change delivered once to every subscriber,
/// the op log folding to the row, blobs and rows agreeing, and each upload's job done once.</summary>
internal static class FaultChecker
{
    /// <summary>Every edit the API acknowledged is in the change feed of its video (an event whose row carries it; later
    /// events of other fields carry it too).</summary>
    public static async Task AssertAcknowledgedEditsPresentAsync(PhyghtStack stack, IEnumerable<(string VideoId, string Description)> acknowledged)
    {
        foreach (var (videoId, description) in acknowledged)
        {
            var found = await Database.ScalarAsync<long>(stack,
                "SELECT count(*) FROM change_feed WHERE video_id = @id AND snapshot::jsonb ->> 'description' = @d",
                ("id", Guid.Parse(videoId)), ("d", description));
            Assert.True(found >= 1, $"acknowledged edit '{description}' of {videoId} is in the feed");
        }
    }

    /// <summary>Each listener ends up with exactly the feed's events of these videos: none missing, and none twice unless
    /// it resumed (a client de-duplicates by seq across a resume).</summary>
    public static async Task AssertEachChangeDeliveredOnceAsync(PhyghtStack stack, IReadOnlyList<ResumingListener> listeners, IReadOnlyCollection<string> videoIds)
    {
        var ids = videoIds.Select(Guid.Parse).ToArray();
        var expected = await SeqsAsync(stack, ids);
        Assert.NotEmpty(expected);
        foreach (var listener in listeners)
        {
            List<long> Received() => [.. videoIds.SelectMany(listener.For).Select(e => e.GetProperty("seq").GetInt64()).Order()];
            try
            {
                await Eventually.ReturnsAsync(() => Task.FromResult(Received()), seqs => expected.All(seqs.Contains), TimeSpan.FromSeconds(60),
                    $"the listener on {listener.Instance} receives all {expected.Count} changes");
            }
            catch (TimeoutException)
            {
                var missing = expected.Except(Received()).ToList();
                Assert.Fail($"the listener on {listener.Instance} (resumed {listener.Resumes} times) misses {missing.Count} of {expected.Count} changes: seqs {string.Join(", ", missing.Take(20))}\n" +
                    $"What {listener.Instance} logged of its fan-out and its warnings:\n{string.Join("\n", FanoutLog(stack, listener.Instance))}");
            }
            var received = Received();
            Assert.Equal(expected, received.Distinct());
            Assert.True(listener.OutOfOrder.IsEmpty, $"the listener on {listener.Instance} got changes out of order: {string.Join(", ", listener.OutOfOrder.Take(10))}");
            if (listener.Resumes == 0)
            {
                Assert.True(received.Count == expected.Count, $"the listener on {listener.Instance} got {received.Count - expected.Count} changes twice");
            }
        }
    }

    /// <summary>The instance's console lines (as the AppHost forwards them, one per line) about its change fan-out, and
    /// its warnings and errors, each with the message line that follows its header.</summary>
    private static IEnumerable<string> FanoutLog(PhyghtStack stack, string instance)
    {
        var lines = stack.Logs.Lines.Where(l => l.Category == $"Phyght.AppHost.Resources.{instance}").Select(l => l.Message).ToList();
        return Enumerable.Range(0, lines.Count)
            .Where(i => lines[i].Contains("ChangeFanout", StringComparison.Ordinal) || lines[i].Contains("warn:", StringComparison.Ordinal) || lines[i].Contains("fail:", StringComparison.Ordinal))
            .TakeLast(15)
            .Select(i => i + 1 < lines.Count ? $"{lines[i]}\n{lines[i + 1]}" : lines[i]);
    }

    /// <summary>Folding each video's op log gives the row the API serves.</summary>
    public static async Task AssertFoldEqualsRowAsync(ApiUser reader, IEnumerable<string> videoIds)
    {
        foreach (var id in videoIds)
        {
            var folded = await VideoTests.FoldAsync(reader, id);
            var (_, video) = await reader.GetAsync($"/videos-update/{id}");
            Assert.Equal(folded.Version, video!["version"]!.GetValue<long>());
            Assert.Equal(folded.Description.Value, video["description"]?.GetValue<string>());
            Assert.Equal(folded.Tags.ToArray(), video["tags"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray());
        }
    }

    /// <summary>The blobs stored for these videos are exactly the ones their rows point at.</summary>
    public static async Task AssertBlobsMatchRowsAsync(PhyghtStack stack, IEnumerable<string> videoIds)
    {
        var client = new BlobServiceClient(await stack.ConnectionStringAsync("blobs"));
        foreach (var id in videoIds)
        {
            var stored = new List<string>();
            foreach (var container in new[] { "videos", "thumbnails" })
            {
                await foreach (var blob in client.GetBlobContainerClient(container).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"{id}/", default))
                {
                    stored.Add($"{container}/{blob.Name}");
                }
            }
            var referenced = new[]
            {
                await Database.ScalarAsync<string>(stack, "SELECT coalesce(file_path, '') FROM videos WHERE id = @id", ("id", Guid.Parse(id))),
                await Database.ScalarAsync<string>(stack, "SELECT coalesce(thumbnail_path, '') FROM videos WHERE id = @id", ("id", Guid.Parse(id))),
            }.Where(p => p.Length > 0);
            Assert.Equal(referenced.Order(), stored.Order());
        }
    }

    /// <summary>The upload's job ran to success once, its video became ready once in every listener's eyes, and it has
    /// one thumbnail.</summary>
    public static async Task AssertProcessedOnceAsync(PhyghtStack stack, IReadOnlyList<ResumingListener> listeners, string videoId)
    {
        var id = Guid.Parse(videoId);
        // The worker marks the job done just after the video's ready commit.
        await Eventually.ReturnsAsync(
            () => Database.ScalarAsync<string>(stack, "SELECT string_agg(state::text, ',') FROM processing_jobs WHERE video_id = @id", ("id", id)),
            states => states == "succeeded", TimeSpan.FromSeconds(30), $"the one job of {videoId} ends succeeded");
        Assert.StartsWith("thumbnails/", await Database.ScalarAsync<string>(stack, "SELECT coalesce(thumbnail_path, '') FROM videos WHERE id = @id", ("id", id)));
        foreach (var listener in listeners)
        {
            var readied = await Eventually.ReturnsAsync(
                () => Task.FromResult(TimesBecameReady(listener.For(videoId))),
                count => count >= 1, TimeSpan.FromSeconds(30), $"{videoId} is announced ready");
            Assert.Equal(1, readied);
        }
    }

    /// <summary>Events carry the row after the change only: a video became ready where one says ready and the one before
    /// it (in seq order) did not.</summary>
    private static int TimesBecameReady(IEnumerable<JsonElement> changes)
    {
        var statuses = changes.OrderBy(c => c.GetProperty("seq").GetInt64())
            .Select(c => c.GetProperty("new") is { ValueKind: JsonValueKind.Object } row ? row.GetProperty("status").GetString() : null)
            .ToList();
        return statuses.Where((status, i) => status == "ready" && (i == 0 || statuses[i - 1] != "ready")).Count();
    }

    private static async Task<List<long>> SeqsAsync(PhyghtStack stack, Guid[] ids)
    {
        await using var connection = new Npgsql.NpgsqlConnection(await stack.ConnectionStringAsync("phyght"));
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT seq FROM change_feed WHERE video_id = ANY(@ids) ORDER BY seq", connection);
        command.Parameters.AddWithValue("ids", ids);
        var seqs = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            seqs.Add(reader.GetInt64(0));
        }
        return seqs;
    }
}
