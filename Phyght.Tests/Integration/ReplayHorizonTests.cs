using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>
/// A replay from before the change feed's retention horizon is refused rather than answered with a history that
/// silently lacks what housekeeping removed. On the job queue's stack: removing the oldest rows of the shared stack's
/// feed would move the horizon under other tests.
/// </summary>
[Collection(JobQueueTests.Name)]
public sealed class ReplayHorizonTests(StackFixture fixture)
{
    [Fact]
    public async Task A_replay_from_before_the_oldest_kept_change_is_refused_and_one_after_it_is_served()
    {
        var stack = fixture.Stack;
        var admin = await Accounts.AdminAsync(stack);
        var id = (await admin.CreateVideoAsync(new { title = "Long ago" }))["id"]!.GetValue<string>();
        var other = (await admin.CreateVideoAsync(new { title = "Live only" }))["id"]!.GetValue<string>();
        await admin.PutAsync($"/videos-update/{id}", new { title = "Kept" });
        // As housekeeping would after ChangeFeedDays: everything up to the video's creation is gone.
        var created = await Database.ScalarAsync<long>(stack, "SELECT min(seq) FROM change_feed WHERE video_id = @id", ("id", Guid.Parse(id)));
        await Database.ExecuteAsync(stack, "DELETE FROM change_feed WHERE seq <= @seq", ("seq", created));

        await using var listener = await RealtimeTests.Listener.ConnectAsync(stack, admin.AccessToken);
        var refused = await Assert.ThrowsAsync<HubException>(() => listener.Connection.InvokeAsync("Subscribe", Guid.Parse(id), (long?)0));
        Assert.Contains("no longer kept", refused.Message);
        refused = await Assert.ThrowsAsync<HubException>(() => listener.Connection.InvokeAsync("SubscribeAllAfter", 0L));
        Assert.Contains("no longer kept", refused.Message);

        // A refused call subscribed to nothing: a change to the video does not arrive, though one made after it to a
        // video the connection did subscribe to does.
        await listener.Connection.InvokeAsync("Subscribe", Guid.Parse(other), (long?)null);
        await admin.PutAsync($"/videos-update/{id}", new { description = "not subscribed" });
        await admin.PutAsync($"/videos-update/{other}", new { description = "subscribed" });
        await Eventually.ReturnsAsync(() => Task.FromResult(listener.For(other).Count()), n => n >= 1, TimeSpan.FromSeconds(10), "the subscribed video's change arrives");
        Assert.Empty(listener.For(id));

        await listener.Connection.InvokeAsync("Subscribe", Guid.Parse(id), (long?)created);
        var replayed = await Eventually.ReturnsAsync(() => Task.FromResult(listener.For(id).ToList()), l => l.Count >= 2, TimeSpan.FromSeconds(10), "the kept changes are replayed");
        Assert.Equal("Kept", replayed[0].GetProperty("new").GetProperty("title").GetString());
        Assert.Equal("not subscribed", replayed[1].GetProperty("new").GetProperty("description").GetString());
    }
}
