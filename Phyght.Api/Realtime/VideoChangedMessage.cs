using System.Text.Json.Serialization;
using Phyght.Api.Videos;
using Phyght.Core.Realtime;
using Phyght.Core.Videos;

namespace Phyght.Api.Realtime;

public sealed record VideoRef(Guid Id);

/// <summary><c>videoChanged</c> as api.md gives it: <c>{"eventType","new","old","seq"}</c>.</summary>
public sealed record VideoChangedMessage([property: JsonPropertyName("eventType")] string EventType, VideoResponse? New, VideoRef? Old, long Seq)
{
    public const string Method = "videoChanged";

    public static VideoChangedMessage From(ChangeEvent change, VideoResponses responses)
    {
        var snapshot = ChangeFeed.SnapshotOf(change);
        return new VideoChangedMessage(
            change.EventType,
            snapshot is null ? null : responses.From(snapshot),
            change.EventType == ChangeEventTypes.Insert ? null : new VideoRef(change.VideoId),
            change.Seq);
    }

    /// <summary>Whether readers who are not staff may see this event: ready and not deleted, or the news of a delete.</summary>
    public static bool IsPublic(ChangeEvent change) =>
        change.EventType == ChangeEventTypes.Delete
        || ChangeFeed.SnapshotOf(change) is { Status: VideoStatus.Ready, DeletedAt: null };
}
