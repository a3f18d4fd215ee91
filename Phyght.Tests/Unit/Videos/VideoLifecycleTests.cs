using Phyght.Core.Videos;

namespace Phyght.Tests.Unit.Videos;

/// <summary>Every (from, to) pair of the file lifecycle, and the entity's methods refusing what it does not allow.</summary>
public sealed class VideoLifecycleTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<VideoStatus, VideoStatus, bool, bool> Table()
    {
        var data = new TheoryData<VideoStatus, VideoStatus, bool, bool>();
        foreach (var from in Enum.GetValues<VideoStatus>())
        {
            foreach (var hasFile in new[] { false, true })
            {
                data.Add(from, VideoStatus.Processing, hasFile, true);
                data.Add(from, VideoStatus.Ready, hasFile, hasFile && from != VideoStatus.Uploading);
                data.Add(from, VideoStatus.Failed, hasFile, from == VideoStatus.Processing);
                data.Add(from, VideoStatus.Uploading, hasFile, false);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Table))]
    public void Only_the_listed_transitions_are_allowed(VideoStatus from, VideoStatus to, bool hasFile, bool allowed) =>
        Assert.Equal(allowed, VideoLifecycle.Allows(from, to, hasFile));

    [Fact]
    public void An_upload_moves_a_new_video_to_processing_and_names_what_it_replaced()
    {
        var video = Video.Create("Main event", Now);
        Assert.Equal(VideoStatus.Uploading, video.Status);
        Assert.Empty(video.StartProcessing("videos/a/1.mp4", 10, "video/mp4", "thumbnails/a/1_thumb.jpg", Guid.NewGuid(), Now));
        video.MarkReady(12, null, "{}", null, Now);
        var replaced = video.StartProcessing("videos/a/2.mp4", 20, "video/mp4", null, Guid.NewGuid(), Now.AddSeconds(1));
        Assert.Equal(["videos/a/1.mp4", "thumbnails/a/1_thumb.jpg"], replaced);
        Assert.Equal(VideoStatus.Processing, video.Status);
        Assert.Null(video.Duration);
        Assert.Null(video.ThumbnailPath);
    }

    [Fact]
    public void A_video_without_a_file_cannot_be_marked_ready()
    {
        var video = Video.Create("No file", Now);
        var error = Assert.Throws<InvalidVideoTransitionException>(() => video.MarkReady(1, null, null, null, Now));
        Assert.Contains("uploading to ready", error.Message);
        Assert.Equal(VideoStatus.Uploading, video.Status);
    }

    [Fact]
    public void Only_a_processing_video_can_fail()
    {
        var video = Video.Create("Ready", Now);
        video.StartProcessing("videos/a/1.mp4", 10, "video/mp4", null, Guid.NewGuid(), Now);
        video.MarkReady(1, "thumbnails/a/1_thumb.jpg", null, null, Now);
        Assert.Throws<InvalidVideoTransitionException>(() => video.MarkFailed("late failure", Now));
        Assert.Equal(VideoStatus.Ready, video.Status);
        Assert.Null(video.FailureReason);
    }

    [Fact]
    public void A_deleted_video_changes_no_more()
    {
        var video = Video.Create("Gone", Now);
        video.SoftDelete(Guid.NewGuid(), Now);
        Assert.Throws<InvalidVideoTransitionException>(() => video.SoftDelete(Guid.NewGuid(), Now));
        Assert.Throws<InvalidVideoTransitionException>(() => video.StartProcessing("videos/a/1.mp4", 1, "video/mp4", null, Guid.NewGuid(), Now));
        Assert.Null(video.FilePath);
    }
}
