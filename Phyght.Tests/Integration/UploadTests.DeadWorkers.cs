using System.Net;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>Jobs whose workers died: taken again after the lease, dead-lettered once they have killed every attempt.</summary>
public sealed partial class UploadTests
{
    [Fact]
    public async Task A_job_left_running_by_a_dead_worker_is_finished_by_the_live_worker_after_its_lease()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Orphaned job" }))["id"]!.GetValue<string>();
        var (uploaded, _) = await UploadAsync(admin, Form(id, [("video", new StreamContent(File.OpenRead(await MediaFixtures.VideoAsync("mp4"))), "c.mp4")]));
        Assert.Equal(HttpStatusCode.OK, uploaded);
        await WaitForStatusAsync(admin, id, "ready");

        // As if a worker had claimed a new job for this video and died: running, leased to it, lease lapsed.
        var videoId = Guid.Parse(id);
        await Database.ExecuteAsync(Stack, "UPDATE videos SET status = 'processing', duration = NULL WHERE id = @id", ("id", videoId));
        var jobId = Guid.NewGuid();
        await Database.ExecuteAsync(Stack, """
            INSERT INTO processing_jobs (id, video_id, state, attempts, run_after, lease_until, leased_by, created_at, updated_at)
            VALUES (@job, @id, 'running', 1, now(), now() - interval '1 second', 'dead-worker', now(), now())
            """, ("job", jobId), ("id", videoId));

        var job = await Eventually.ReturnsAsync(
            async () => (State: await Database.ScalarAsync<string>(Stack, "SELECT state::text FROM processing_jobs WHERE id = @job", ("job", jobId)),
                Worker: await Database.ScalarAsync<string>(Stack, "SELECT coalesce(leased_by, '') FROM processing_jobs WHERE id = @job", ("job", jobId))),
            j => j.State == "succeeded",
            TimeSpan.FromSeconds(60),
            "the live worker takes the orphaned job and finishes it");
        Assert.NotEqual("dead-worker", job.Worker);
        Assert.Equal(2, await Database.ScalarAsync<int>(Stack, "SELECT attempts FROM processing_jobs WHERE id = @job", ("job", jobId)));
        Assert.Equal("ready", await Database.ScalarAsync<string>(Stack, "SELECT status::text FROM videos WHERE id = @id", ("id", videoId)));
        var duration = await Database.ScalarAsync<int>(Stack, "SELECT coalesce(duration, -1) FROM videos WHERE id = @id", ("id", videoId));
        Assert.InRange(duration, 2, 4);
    }

    [Fact]
    public async Task A_job_whose_worker_died_on_every_attempt_is_dead_lettered_at_its_next_claim_not_run_again()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Kills its worker" }))["id"]!.GetValue<string>();
        var (uploaded, _) = await UploadAsync(admin, Form(id, [("video", new StreamContent(File.OpenRead(await MediaFixtures.VideoAsync("mp4"))), "c.mp4")]));
        Assert.Equal(HttpStatusCode.OK, uploaded);
        await WaitForStatusAsync(admin, id, "ready");

        // As if five workers in turn had claimed the job and died with it: its fifth lease lapsed.
        var videoId = Guid.Parse(id);
        await Database.ExecuteAsync(Stack, "UPDATE videos SET status = 'processing' WHERE id = @id", ("id", videoId));
        var jobId = Guid.NewGuid();
        await Database.ExecuteAsync(Stack, """
            INSERT INTO processing_jobs (id, video_id, state, attempts, run_after, lease_until, leased_by, created_at, updated_at)
            VALUES (@job, @id, 'running', 5, now(), now() - interval '1 second', 'dead-worker', now(), now())
            """, ("job", jobId), ("id", videoId));

        var error = await Eventually.ReturnsAsync(
            async () => await Database.ScalarAsync<string>(Stack, "SELECT state::text || ': ' || coalesce(last_error, '') FROM processing_jobs WHERE id = @job", ("job", jobId)),
            e => e.StartsWith("dead", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            "the job is dead-lettered");
        Assert.Equal("dead: the worker stopped during each of 5 attempts", error);
        var (_, video) = await admin.GetAsync($"/videos-update/{id}");
        Assert.Equal("failed", video!["status"]!.GetValue<string>());
    }
}
