using System.Net;
using Azure.Storage.Blobs;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>The worker's housekeeping: history past its retention and blobs no video refers to go; nothing else does.</summary>
public sealed partial class UploadTests
{
    [Fact]
    public async Task Housekeeping_removes_old_history_and_orphan_blobs_and_keeps_everything_still_in_use()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Kept" }))["id"]!.GetValue<string>();
        var (uploaded, _) = await UploadAsync(admin, Form(id, [("video", new StreamContent(File.OpenRead(await MediaFixtures.VideoAsync("mp4"))), "c.mp4")]));
        Assert.Equal(HttpStatusCode.OK, uploaded);
        await WaitForStatusAsync(admin, id, "ready");
        var videoId = Guid.Parse(id);
        var inUse = await BlobsOfAsync(id);

        var oldSeq = await Database.ScalarAsync<long>(Stack, """
            INSERT INTO change_feed (video_id, event_type, created_at, published_at)
            VALUES (@id, 'UPDATE', now() - interval '8 days', now() - interval '8 days') RETURNING seq
            """, ("id", videoId));
        var oldJob = Guid.NewGuid();
        await Database.ExecuteAsync(Stack, """
            INSERT INTO processing_jobs (id, video_id, state, attempts, run_after, created_at, updated_at)
            VALUES (@job, @id, 'succeeded', 1, now() - interval '31 days', now() - interval '31 days', now() - interval '31 days')
            """, ("job", oldJob), ("id", videoId));
        var adminId = await Database.ScalarAsync<Guid>(Stack, "SELECT id FROM profiles WHERE role = 'admin' ORDER BY created_at LIMIT 1");
        var oldKey = $"old-{Guid.NewGuid():N}";
        await Database.ExecuteAsync(Stack,
            "INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, created_at) VALUES (@u, @k, 'h', 201, now() - interval '25 hours')",
            ("u", adminId), ("k", oldKey));
        // Two blobs no row refers to: one whose name says it was written two hours ago (an upload that never
        // committed), one written just now (an upload still in flight, which must be left alone).
        var videos = new BlobServiceClient(await Stack.ConnectionStringAsync("blobs")).GetBlobContainerClient("videos");
        var orphan = $"{id}/{DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeMilliseconds()}.mp4";
        var inFlight = $"{id}/{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}.mp4";
        await videos.UploadBlobAsync(orphan, BinaryData.FromString("never committed"));
        await videos.UploadBlobAsync(inFlight, BinaryData.FromString("still uploading"));

        await Eventually.HoldsAsync(() => !videos.GetBlobClient(orphan).Exists().Value, TimeSpan.FromSeconds(60), "the orphan blob is removed");
        Assert.Equal(0, await Database.ScalarAsync<int>(Stack, "SELECT count(*)::int FROM change_feed WHERE seq = @seq", ("seq", oldSeq)));
        Assert.Equal(0, await Database.ScalarAsync<int>(Stack, "SELECT count(*)::int FROM processing_jobs WHERE id = @job", ("job", oldJob)));
        await Eventually.ReturnsAsync(() => Database.ScalarAsync<int>(Stack, "SELECT count(*)::int FROM idempotency_keys WHERE key = @k", ("k", oldKey)),
            count => count == 0, TimeSpan.FromSeconds(30), "the expired idempotency key is removed");
        Assert.True((await videos.GetBlobClient(inFlight).ExistsAsync()).Value);
        Assert.Subset((await BlobsOfAsync(id)).ToHashSet(), inUse.ToHashSet());
        Assert.True(await Database.ScalarAsync<int>(Stack, "SELECT count(*)::int FROM change_feed WHERE video_id = @id", ("id", videoId)) > 0);
        var (_, video) = await admin.GetAsync($"/videos-update/{id}");
        Assert.Equal("ready", video!["status"]!.GetValue<string>());
    }
}
