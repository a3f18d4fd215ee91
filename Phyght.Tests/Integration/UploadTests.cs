using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

[Collection(StackCollection.Name)]
public sealed partial class UploadTests(StackFixture fixture)
{
    private PhyghtStack Stack => fixture.Stack;

    private static MultipartFormDataContent Form(string? videoId, (string Field, HttpContent Content, string FileName)[] files)
    {
        var form = new MultipartFormDataContent();
        if (videoId is not null)
        {
            form.Add(new StringContent(videoId), "videoId");
        }
        foreach (var (field, content, fileName) in files)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(content, field, fileName);
        }
        return form;
    }

    private static async Task<(HttpStatusCode Status, JsonNode? Body)> UploadAsync(ApiUser user, MultipartFormDataContent form)
    {
        using var request = user.Request(HttpMethod.Post, "/videos-upload");
        request.Content = form;
        using var response = await user.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>A refused upload left no blob and the video still waiting for its file.</summary>
    private async Task AssertNothingStoredAsync(ApiUser user, string id)
    {
        Assert.Empty(await BlobsOfAsync(id));
        var (_, video) = await user.GetAsync($"/videos-update/{id}");
        Assert.Equal("uploading", video!["status"]!.GetValue<string>());
    }

    private async Task<List<string>> BlobsOfAsync(string videoId)
    {
        var client = new BlobServiceClient(await Stack.ConnectionStringAsync("blobs"));
        var names = new List<string>();
        foreach (var container in new[] { "videos", "thumbnails" })
        {
            var c = client.GetBlobContainerClient(container);
            if (!await c.ExistsAsync())
            {
                continue;
            }
            await foreach (var blob in c.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"{videoId}/", default))
            {
                names.Add($"{container}/{blob.Name}");
            }
        }
        return names;
    }

    private static Task<JsonNode> WaitForStatusAsync(ApiUser user, string id, params string[] statuses) =>
        Eventually.ReturnsAsync(
            async () => (await user.GetAsync($"/videos-update/{id}")).Body!,
            video => statuses.Contains(video["status"]!.GetValue<string>()),
            TimeSpan.FromSeconds(90),
            $"video {id} reaches {string.Join(" or ", statuses)}");

    [Theory]
    [MemberData(nameof(MediaFixtures.VideoFormats), MemberType = typeof(MediaFixtures))]
    public async Task Each_format_uploads_and_the_worker_makes_it_ready_with_duration_and_thumbnail(string format)
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = $"Clip {format}" }))["id"]!.GetValue<string>();
        var file = await MediaFixtures.VideoAsync(format);

        var (status, uploaded) = await UploadAsync(admin, Form(id, [("video", new StreamContent(File.OpenRead(file)), $"clip.{format}")]));

        Assert.True(status == HttpStatusCode.OK, $"{status} {uploaded}");
        Assert.Equal("processing", uploaded!["status"]!.GetValue<string>());
        Assert.Equal(new FileInfo(file).Length, uploaded["file_size"]!.GetValue<long>());
        var ext = format == "ogv" ? "ogv" : format;
        Assert.Matches(new Regex($"^videos/{id}/\\d+\\.{ext}$"), uploaded["file_path"]!.GetValue<string>());

        var ready = await WaitForStatusAsync(admin, id, "ready", "failed");
        Assert.True(ready["status"]!.GetValue<string>() == "ready", $"not ready: {ready}");
        Assert.InRange(ready["duration"]!.GetValue<int>(), 2, 4);
        Assert.Matches(new Regex($"^thumbnails/{id}/\\d+_thumb\\.jpg$"), ready["thumbnail_path"]!.GetValue<string>());
        Assert.Equal(320, ready["processingResults"]!["width"]!.GetValue<int>());
        Assert.Equal(240, ready["processingResults"]!["height"]!.GetValue<int>());

        // The URLs are fetchable directly, with range requests.
        using var http = new HttpClient();
        using var range = new HttpRequestMessage(HttpMethod.Get, ready["video_url"]!.GetValue<string>());
        range.Headers.Range = new RangeHeaderValue(0, 99);
        using var partial = await http.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(100, (await partial.Content.ReadAsByteArrayAsync()).Length);
        using var thumbnail = await http.GetAsync(ready["thumbnail_url"]!.GetValue<string>());
        Assert.Equal("image/jpeg", thumbnail.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_uploaded_thumbnail_is_kept_and_a_second_upload_replaces_the_first_blobs()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Replace" }))["id"]!.GetValue<string>();
        var clip = await MediaFixtures.VideoAsync("mp4");

        var (first, _) = await UploadAsync(admin, Form(id, [
            ("video", new StreamContent(File.OpenRead(clip)), "a.mp4"),
            ("thumbnail", new StreamContent(File.OpenRead(await MediaFixtures.PngAsync())), "t.png"),
        ]));
        Assert.Equal(HttpStatusCode.OK, first);
        var ready = await WaitForStatusAsync(admin, id, "ready", "failed");
        Assert.EndsWith("_thumb.png", ready["thumbnail_path"]!.GetValue<string>());
        var firstBlobs = await BlobsOfAsync(id);
        Assert.Equal(2, firstBlobs.Count);

        var (second, replaced) = await UploadAsync(admin, Form(id, [("video", new StreamContent(File.OpenRead(clip)), "b.mp4")]));
        Assert.Equal(HttpStatusCode.OK, second);
        await WaitForStatusAsync(admin, id, "ready");
        var blobs = await BlobsOfAsync(id);
        Assert.DoesNotContain(firstBlobs[0], blobs);
        Assert.DoesNotContain(firstBlobs[1], blobs);
        Assert.Contains(replaced!["file_path"]!.GetValue<string>(), blobs);
    }

    [Fact]
    public async Task A_video_over_the_limit_gets_413_and_leaves_no_blob()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Too big" }))["id"]!.GetValue<string>();
        var head = (await File.ReadAllBytesAsync(await MediaFixtures.VideoAsync("mp4")))[..64];

        var (status, problem) = await UploadAsync(admin, Form(id, [("video", new StreamContent(new SyntheticStream(head, 52_428_801)), "big.mp4")]));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal(413, problem!["status"]!.GetValue<int>());
        await AssertNothingStoredAsync(admin, id);
    }

    [Fact]
    public async Task A_50_MB_upload_streams_through_without_the_api_holding_the_file_in_memory()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Exactly at the limit" }))["id"]!.GetValue<string>();
        var head = (await File.ReadAllBytesAsync(await MediaFixtures.VideoAsync("mp4")))[..64];
        Assert.True(Stack.App.ResourceNotifications.TryGetCurrentState("api", out var api));
        var pid = int.Parse(api.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value!.ToString()!);
        Assert.Contains("Phyght.Api", File.ReadAllText($"/proc/{pid}/cmdline"));
        // A warm-up upload first, so the peak measured below is the upload's, not first-call JIT and pools.
        var (warm, _) = await UploadAsync(admin, Form(id, [("video", new StreamContent(new SyntheticStream(head, 8_000_000)), "warm.mp4")]));
        Assert.Equal(HttpStatusCode.OK, warm);
        ResetPeakMemory(pid);
        var before = PeakRssBytes(pid);

        var (status, video) = await UploadAsync(admin, Form(id, [("video", new StreamContent(new SyntheticStream(head, 52_428_800)), "limit.mp4")]));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(52_428_800, video!["file_size"]!.GetValue<long>());
        var growth = PeakRssBytes(pid) - before;
        Assert.True(growth < 24 * 1024 * 1024, $"the API's peak resident memory grew by {growth / 1024 / 1024} MB during a 50 MB upload");
    }

    /// <summary>Peak resident set of a process (VmHWM), reset by writing 5 to clear_refs (Linux).</summary>
    private static long PeakRssBytes(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;

    private static void ResetPeakMemory(int pid) => File.WriteAllText($"/proc/{pid}/clear_refs", "5");

    [Fact]
    public async Task An_uploads_trace_continues_through_the_job_into_the_worker_and_its_change_event()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Traced" }))["id"]!.GetValue<string>();
        var traceId = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

        using var request = admin.Request(HttpMethod.Post, "/videos-upload");
        request.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}-01");
        request.Content = Form(id, [("video", new StreamContent(File.OpenRead(await MediaFixtures.VideoAsync("mp4"))), "c.mp4")]);
        using var response = await admin.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitForStatusAsync(admin, id, "ready");

        // The job row carries the request's trace; the worker's span continues it, and so does the change event the
        // worker writes (which each API instance's delivery span continues in turn).
        var videoId = Guid.Parse(id);
        Assert.Contains(traceId, await Database.ScalarAsync<string>(Stack, "SELECT trace_parent FROM processing_jobs WHERE video_id = @id", ("id", videoId)));
        var workerEvent = await Database.ScalarAsync<string>(Stack,
            "SELECT coalesce(trace_parent, '') FROM change_feed WHERE video_id = @id AND snapshot->>'status' = '2' ORDER BY seq DESC LIMIT 1", ("id", videoId));
        Assert.Contains(traceId, workerEvent);
    }
}
