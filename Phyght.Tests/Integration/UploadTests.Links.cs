using System.Net;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>The media links a response hands out follow the video: they stop working the moment it is deleted.</summary>
public sealed partial class UploadTests
{
    [Fact]
    public async Task A_public_videos_links_work_until_it_is_deleted_and_are_refused_from_then_on()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var id = (await admin.CreateVideoAsync(new { title = "Linked" }))["id"]!.GetValue<string>();
        var (uploaded, _) = await UploadAsync(admin, Form(id, [("video", new StreamContent(File.OpenRead(await MediaFixtures.VideoAsync("mp4"))), "c.mp4")]));
        Assert.Equal(HttpStatusCode.OK, uploaded);
        var ready = await WaitForStatusAsync(admin, id, "ready");
        var links = new[] { ready["video_url"]!.GetValue<string>(), ready["thumbnail_url"]!.GetValue<string>() };

        // Fetched as a browser would: no token, redirects followed.
        using var browser = new HttpClient();
        foreach (var link in links)
        {
            using var fetched = await browser.GetAsync(link);
            Assert.True(fetched.StatusCode == HttpStatusCode.OK, $"{link}: {fetched.StatusCode}");
        }

        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/videos-delete/{id}")).Status);
        foreach (var link in links)
        {
            using var refused = await browser.GetAsync(link);
            Assert.True(refused.StatusCode == HttpStatusCode.NotFound, $"{link} after the delete: {refused.StatusCode}");
        }
    }
}
