using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>Uploads refused (wrong type, wrong form), failed processing, external processors and hard delete.</summary>
public sealed partial class UploadTests
{
    [Fact]
    public async Task A_png_named_mp4_gets_415_and_wrong_forms_get_400_or_404()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Wrong type" }))["id"]!.GetValue<string>();
        var png = await MediaFixtures.PngAsync();
        var clip = await MediaFixtures.VideoAsync("mp4");

        var (wrongType, problem) = await UploadAsync(admin, Form(id, [("video", new StreamContent(File.OpenRead(png)), "clip.mp4")]));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType);
        Assert.Contains("not MP4", problem!["detail"]!.GetValue<string>());

        var (badThumb, _) = await UploadAsync(admin, Form(id, [
            ("video", new StreamContent(File.OpenRead(clip)), "clip.mp4"),
            ("thumbnail", new StreamContent(File.OpenRead(clip)), "thumb.jpg"),
        ]));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, badThumb);

        var (missingId, _) = await UploadAsync(admin, Form(null, [("video", new StreamContent(File.OpenRead(clip)), "clip.mp4")]));
        Assert.Equal(HttpStatusCode.BadRequest, missingId);
        var (unknown, _) = await UploadAsync(admin, Form(Guid.NewGuid().ToString(), [("video", new StreamContent(File.OpenRead(clip)), "clip.mp4")]));
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        var (noFile, _) = await UploadAsync(admin, Form(id, []));
        Assert.Equal(HttpStatusCode.BadRequest, noFile);

        await AssertNothingStoredAsync(admin, id);
    }

    [Fact]
    public async Task A_truncated_mp4_ends_failed_with_a_reason()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Broken" }))["id"]!.GetValue<string>();
        var truncated = (await File.ReadAllBytesAsync(await MediaFixtures.VideoAsync("mp4")))[..2048];

        var (status, _) = await UploadAsync(admin, Form(id, [("video", new ByteArrayContent(truncated), "broken.mp4")]));
        Assert.Equal(HttpStatusCode.OK, status);

        var failed = await WaitForStatusAsync(admin, id, "failed", "ready");
        Assert.Equal("failed", failed["status"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(failed["failure_reason"]?.GetValue<string>()));
    }

    [Fact]
    public async Task An_external_processor_marks_an_uploaded_video_ready_idempotently()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "External" }))["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PutAsync("/videos-upload", new { videoId = id, duration = 5 })).Status);
        var (uploaded, _) = await UploadAsync(admin, Form(id, [("video", new StreamContent(File.OpenRead(await MediaFixtures.VideoAsync("mp4"))), "c.mp4")]));
        Assert.Equal(HttpStatusCode.OK, uploaded);

        var body = new { videoId = id, duration = 120, processingResults = new { codec = "h264", source = "external" } };
        var (first, video) = await admin.PutAsync("/videos-upload", body);
        var (second, again) = await admin.PutAsync("/videos-upload", body);

        Assert.Equal(HttpStatusCode.OK, first);
        Assert.Equal(HttpStatusCode.OK, second);
        Assert.Equal("ready", again!["status"]!.GetValue<string>());
        Assert.Equal(120, again["duration"]!.GetValue<int>());
        Assert.Equal("external", again["processingResults"]!["source"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsync("/videos-upload", new { duration = 1 })).Status);
    }

    [Fact]
    public async Task Hard_delete_after_upload_leaves_no_blob_op_or_job()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Gone" }))["id"]!.GetValue<string>();
        var (uploaded, _) = await UploadAsync(admin, Form(id, [("video", new StreamContent(File.OpenRead(await MediaFixtures.VideoAsync("mp4"))), "c.mp4")]));
        Assert.Equal(HttpStatusCode.OK, uploaded);
        await WaitForStatusAsync(admin, id, "ready");
        Assert.NotEmpty(await BlobsOfAsync(id));

        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/videos-delete/{id}?hard=true")).Status);

        Assert.Empty(await BlobsOfAsync(id));
        Assert.Equal(0, await Database.CountAsync(Stack, "crdt_operations", id));
        Assert.Equal(0, await Database.CountAsync(Stack, "processing_jobs", id));
    }
}
