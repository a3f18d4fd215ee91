using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>Direct, resumable uploads (api.md): the file goes from the client to storage through a SAS for one blob;
/// the API signs, lists the blocks held and verifies on completion.</summary>
[Collection(StackCollection.Name)]
public sealed class DirectUploadTests(StackFixture fixture)
{
    private PhyghtStack Stack => fixture.Stack;

    private static async Task<(string Video, JsonNode Session)> OpenAsync(ApiUser user, long size, string fileName = "card.mp4")
    {
        var video = (await user.CreateVideoAsync(new { title = $"Direct {fileName}" }))["id"]!.GetValue<string>();
        var (status, session) = await user.PostAsync("/videos-upload/sessions", new { videoId = video, size, file_name = fileName });
        Assert.True(status == HttpStatusCode.Created, $"open: {status} {session}");
        return (video, session!);
    }

    private static BlockBlobClient UploadClient(JsonNode session) => new(new Uri(session["upload_url"]!.GetValue<string>()));

    private static async Task CommitAsync(JsonNode session, string file)
    {
        await using var stream = File.OpenRead(file);
        await UploadClient(session).UploadAsync(stream);
    }

    private static string Id(JsonNode session) => session["session_id"]!.GetValue<string>();

    /// <summary>The session's blob, seen with the storage account's own key (the upload URL may not read it).</summary>
    private async Task<BlobClient> StoredBlobAsync(JsonNode session)
    {
        // The URL's path is /{account}/{container}/{name}.
        var segments = new Uri(session["upload_url"]!.GetValue<string>()).AbsolutePath.Trim('/').Split('/', 3);
        return new BlobServiceClient(await Stack.ConnectionStringAsync("blobs")).GetBlobContainerClient(segments[1]).GetBlobClient(Uri.UnescapeDataString(segments[2]));
    }

    [Fact]
    public async Task A_large_video_uploaded_in_parallel_blocks_resumes_after_the_uploader_is_killed_and_becomes_ready()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var file = await MediaFixtures.LargeVideoAsync();
        var (video, session) = await OpenAsync(admin, new FileInfo(file).Length, "card.avi");
        Assert.Equal(8 << 20, session["block_size"]!.GetValue<int>());
        var baseUrl = Stack.CreateApiClient().BaseAddress!.ToString();

        // The first uploader is killed (SIGKILL) once about 60 % of the blocks are staged.
        var killedAt = await RunUploaderUntilAsync(baseUrl, admin.AccessToken!, Id(session), file, fraction: 0.6);
        var (_, held) = await admin.GetAsync($"/videos-upload/sessions/{Id(session)}");
        var heldBlocks = held!["blocks"]!.AsArray().Count;
        Assert.InRange(heldBlocks, killedAt - 4, killedAt + 4); // what was staged, give or take the four in flight
        Assert.Equal("uploading", (await admin.GetAsync($"/videos-update/{video}")).Body!["status"]!.GetValue<string>());

        var resumed = await RunNodeAsync(baseUrl, admin.AccessToken!, Id(session), file, "resume");
        var total = (int)Math.Ceiling(new FileInfo(file).Length / (double)(8 << 20));
        // A block whose request was complete when its uploader died may still land after the first look.
        var heldAtResume = resumed.GetProperty("held").GetInt32();
        Assert.InRange(heldAtResume, heldBlocks, heldBlocks + 4);
        Assert.Equal(total - heldAtResume, resumed.GetProperty("staged").GetInt32()); // only the missing blocks were sent again
        Assert.Equal("processing", resumed.GetProperty("video").GetProperty("status").GetString());

        var ready = await Eventually.ReturnsAsync(async () => (await admin.GetAsync($"/videos-update/{video}")).Body!,
            v => v["status"]!.GetValue<string>() is "ready" or "failed", TimeSpan.FromSeconds(120), "the worker processes the direct upload");
        Assert.Equal("ready", ready["status"]!.GetValue<string>());
        Assert.Equal(8, ready["duration"]!.GetValue<int>());
        Assert.Equal(new FileInfo(file).Length, await Database.ScalarAsync<long>(Stack, "SELECT file_size FROM videos WHERE id = @id", ("id", Guid.Parse(video))));
    }

    [Fact]
    public async Task The_upload_url_can_write_its_own_blob_only_never_read_list_or_write_another()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var clip = await MediaFixtures.VideoAsync("mp4");
        var (video, session) = await OpenAsync(admin, new FileInfo(clip).Length);
        await CommitAsync(session, clip);
        var url = new Uri(session["upload_url"]!.GetValue<string>());

        var own = new BlobClient(url);
        Assert.Equal(403, (await Assert.ThrowsAsync<RequestFailedException>(() => own.DownloadContentAsync())).Status);
        var other = new BlobClient(new UriBuilder(url) { Path = url.AbsolutePath[..url.AbsolutePath.LastIndexOf('/')] + "/other.mp4" }.Uri);
        Assert.Equal(403, (await Assert.ThrowsAsync<RequestFailedException>(() => other.UploadAsync(BinaryData.FromString("not mine")))).Status);
        var container = new BlobContainerClient(new UriBuilder(url) { Path = "/" + string.Join('/', url.AbsolutePath.Trim('/').Split('/').Take(2)) }.Uri);
        Assert.Equal(403, (await Assert.ThrowsAsync<RequestFailedException>(async () =>
        {
            await foreach (var _ in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, null, default))
            {
            }
        })).Status);

        // Completing several times at once (a client retrying its first try) is harmless: the same video, one job.
        var completions = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => admin.PostAsync($"/videos-upload/sessions/{Id(session)}/complete", null)));
        Assert.All(completions, c => Assert.True(c.Status == HttpStatusCode.OK && c.Body!["id"]!.GetValue<string>() == video, $"complete: {c.Status} {c.Body}"));
        var (again, repeat) = await admin.PostAsync($"/videos-upload/sessions/{Id(session)}/complete", null);
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal(video, repeat!["id"]!.GetValue<string>());
        Assert.Equal(1, await Database.CountAsync(Stack, "processing_jobs", video));
    }

    [Fact]
    public async Task Once_completed_the_video_has_its_own_copy_that_the_still_valid_upload_url_cannot_change()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var clip = await MediaFixtures.VideoAsync("mp4");
        var (video, session) = await OpenAsync(admin, new FileInfo(clip).Length);
        await CommitAsync(session, clip);
        var (status, body) = await admin.PostAsync($"/videos-upload/sessions/{Id(session)}/complete", null);
        Assert.True(status == HttpStatusCode.OK, $"complete: {status} {body}");

        // The URL is within its expiry and a SAS cannot be revoked; it can still write its own blob name, but the video
        // is a copy under another name, made of exactly what the API checked, and the session's blob is gone.
        var uploaded = await StoredBlobAsync(session);
        var filePath = body!["file_path"]!.GetValue<string>();
        Assert.NotEqual($"{uploaded.BlobContainerName}/{uploaded.Name}", filePath);
        Assert.False((await uploaded.ExistsAsync()).Value);
        await using (var png = File.OpenRead(await MediaFixtures.PngAsync()))
        {
            await UploadClient(session).UploadAsync(png);
        }
        var blobs = new BlobServiceClient(await Stack.ConnectionStringAsync("blobs"));
        var (container, name) = (filePath[..filePath.IndexOf('/')], filePath[(filePath.IndexOf('/') + 1)..]);
        Assert.Equal(await File.ReadAllBytesAsync(clip), (await blobs.GetBlobContainerClient(container).GetBlobClient(name).DownloadContentAsync()).Value.Content.ToArray());
        var ready = await Eventually.ReturnsAsync(async () => (await admin.GetAsync($"/videos-update/{video}")).Body!,
            v => v["status"]!.GetValue<string>() == "ready", TimeSpan.FromSeconds(60), "the copy's processing");
        Assert.Equal(filePath, ready["file_path"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_png_is_refused_with_415_at_completion_and_its_blob_removed()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var png = await MediaFixtures.PngAsync();
        var (video, session) = await OpenAsync(admin, new FileInfo(png).Length, "frame.mp4");
        await CommitAsync(session, png);

        var (status, problem) = await admin.PostAsync($"/videos-upload/sessions/{Id(session)}/complete", null);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("decided by its content", problem!["detail"]!.GetValue<string>());
        Assert.False((await (await StoredBlobAsync(session)).ExistsAsync()).Value);
        Assert.Equal("uploading", (await admin.GetAsync($"/videos-update/{video}")).Body!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Completing_before_the_file_is_committed_or_with_the_wrong_size_is_409_and_changes_nothing()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var clip = await MediaFixtures.VideoAsync("mp4");
        var (video, session) = await OpenAsync(admin, new FileInfo(clip).Length + 1);

        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync($"/videos-upload/sessions/{Id(session)}/complete", null)).Status);
        await CommitAsync(session, clip); // one byte short of what the session announced
        var (status, problem) = await admin.PostAsync($"/videos-upload/sessions/{Id(session)}/complete", null);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("bytes", problem!["detail"]!.GetValue<string>());
        Assert.Equal("uploading", (await admin.GetAsync($"/videos-update/{video}")).Body!["status"]!.GetValue<string>());
        Assert.Equal(0, await Database.CountAsync(Stack, "processing_jobs", video));
    }

    [Fact]
    public async Task Sessions_are_bounded_private_to_their_owner_and_retried_safely()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var video = (await admin.CreateVideoAsync(new { title = "Limits" }))["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await admin.PostAsync("/videos-upload/sessions", new { videoId = video, size = 11L << 30 })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync("/videos-upload/sessions", new { videoId = video, size = 0 })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/videos-upload/sessions", new { videoId = Guid.NewGuid(), size = 10 })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await Accounts.NewAsync(Stack)).PostAsync("/videos-upload/sessions", new { videoId = video, size = 10 })).Status);

        var (_, session) = await OpenAsync(admin, 1000);
        var moderator = await Accounts.NewAsync(Stack, "moderator");
        Assert.Equal(HttpStatusCode.NotFound, (await moderator.GetAsync($"/videos-upload/sessions/{Id(session)}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await moderator.PostAsync($"/videos-upload/sessions/{Id(session)}/complete", null)).Status);

        var key = Guid.NewGuid().ToString();
        var first = await SendKeyedAsync(admin, key, new { videoId = video, size = 1234 });
        var retry = await SendKeyedAsync(admin, key, new { videoId = video, size = 1234 });
        Assert.Equal(first.Body["session_id"]!.GetValue<string>(), retry.Body["session_id"]!.GetValue<string>());
        Assert.True(retry.Replayed);
        Assert.Equal(1, await Database.ScalarAsync<long>(Stack, "SELECT count(*) FROM upload_sessions WHERE video_id = @id", ("id", Guid.Parse(video))));
    }

    [Fact]
    public async Task An_abandoned_session_is_swept_with_its_blob_after_its_expiry()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var clip = await MediaFixtures.VideoAsync("mp4");
        var (_, session) = await OpenAsync(admin, new FileInfo(clip).Length);
        await CommitAsync(session, clip);
        var sessionId = Guid.Parse(Id(session));
        var blob = await StoredBlobAsync(session);
        Assert.True((await blob.ExistsAsync()).Value);

        // As if its client had gone away an hour ago.
        await Database.ExecuteAsync(Stack, "UPDATE upload_sessions SET expires_at = now() - interval '1 hour' WHERE id = @id", ("id", sessionId));

        // Housekeeping deletes the blob, then the row.
        await Eventually.ReturnsAsync(
            async () => (Blob: (await blob.ExistsAsync()).Value,
                Rows: await Database.ScalarAsync<long>(Stack, "SELECT count(*) FROM upload_sessions WHERE id = @id", ("id", sessionId))),
            left => left is { Blob: false, Rows: 0 }, TimeSpan.FromSeconds(30), "housekeeping removes the session and its blob");
    }

    private static async Task<(JsonNode Body, bool Replayed)> SendKeyedAsync(ApiUser user, string key, object body)
    {
        using var request = user.Request(HttpMethod.Post, "/videos-upload/sessions", body);
        request.Headers.Add("Idempotency-Key", key);
        using var response = await user.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (JsonNode.Parse(await response.Content.ReadAsStringAsync())!,
            response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) && replayed.Single() == "true");
    }

    /// <summary>Runs the uploader and kills it (SIGKILL) once <paramref name="fraction"/> of the blocks are staged;
    /// returns how many it had reported staged.</summary>
    private static async Task<int> RunUploaderUntilAsync(string baseUrl, string token, string sessionId, string file, double fraction)
    {
        using var node = Process.Start(Uploader(baseUrl, token, sessionId, file, "start"))!;
        while (await node.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2)) is { } line)
        {
            var progress = JsonDocument.Parse(line).RootElement;
            var staged = progress.GetProperty("staged").GetInt32();
            if (staged >= fraction * progress.GetProperty("total").GetInt32())
            {
                node.Kill();
                await node.WaitForExitAsync();
                return staged;
            }
        }
        throw new InvalidOperationException($"the uploader finished before it was killed: {await node.StandardError.ReadToEndAsync()}");
    }

    private static async Task<JsonElement> RunNodeAsync(string baseUrl, string token, string sessionId, string file, string mode)
    {
        using var node = Process.Start(Uploader(baseUrl, token, sessionId, file, mode))!;
        var output = node.StandardOutput.ReadToEndAsync();
        var error = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(node.ExitCode == 0, $"the uploader failed: {await error}");
        return JsonDocument.Parse((await output).Trim().Split('\n')[^1]).RootElement;
    }

    private static ProcessStartInfo Uploader(string baseUrl, string token, string sessionId, string file, string mode)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = Repository.Root(), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "scripts/direct-upload.mjs", baseUrl, token, sessionId, file, mode })
        {
            start.ArgumentList.Add(arg);
        }
        return start;
    }
}
