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

    /// <summary>The message for one change, and whether readers who are not staff may see it: the video as it is
    /// after the change is readable by them (<see cref="VideoAccess"/>), or the change is the news of a delete.
    /// The snapshot is read once.</summary>
    public static (VideoChangedMessage Message, bool IsPublic) From(ChangeEvent change, VideoResponses responses)
    {
        var snapshot = ChangeEvents.SnapshotOf(change);
        var message = new VideoChangedMessage(
            change.EventType,
            snapshot is null ? null : responses.From(snapshot),
            change.EventType == ChangeEventTypes.Insert ? null : new VideoRef(change.VideoId),
            change.Seq);
        var isPublic = change.EventType == ChangeEventTypes.Delete || (snapshot is not null && VideoAccess.CanRead(snapshot, staff: false));
        return (message, isPublic);
    }
}
