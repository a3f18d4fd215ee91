using System.Diagnostics;
using System.Text.Json;
using Phyght.Core.Data;
using Phyght.Core.Videos;

namespace Phyght.Core.Realtime;

public static class ChangeEventTypes
{
    public const string Insert = "INSERT";
    public const string Update = "UPDATE";
    public const string Delete = "DELETE";
}

/// <summary>Change-feed rows: made by <see cref="VideoWriter"/> in the change's transaction, read back by the fan-out.</summary>
public static class ChangeEvents
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The event for a change of <paramref name="video"/> (a delete carries no snapshot).</summary>
    public static ChangeEvent Of(Video video, string eventType, DateTimeOffset now) => new()
    {
        VideoId = video.Id,
        EventType = eventType,
        Snapshot = eventType == ChangeEventTypes.Delete ? null : JsonSerializer.Serialize(video, Json),
        TraceParent = Activity.Current?.Id,
        CreatedAt = now,
    };

    public static Video? SnapshotOf(ChangeEvent change) =>
        change.Snapshot is null ? null : JsonSerializer.Deserialize<Video>(change.Snapshot, Json);
}
