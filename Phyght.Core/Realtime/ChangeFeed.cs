using System.Diagnostics;
using System.Text.Json;
using Phyght.Core.Data;

namespace Phyght.Core.Realtime;

public static class ChangeEventTypes
{
    public const string Insert = "INSERT";
    public const string Update = "UPDATE";
    public const string Delete = "DELETE";
}

/// <summary>Records a change in the outbox; it is saved with the caller's transaction and published after commit.</summary>
public static class ChangeFeed
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static ChangeEvent Record(PhyghtDbContext db, Video video, string eventType, DateTimeOffset now)
    {
        var change = new ChangeEvent
        {
            VideoId = video.Id,
            EventType = eventType,
            Snapshot = eventType == ChangeEventTypes.Delete ? null : JsonSerializer.Serialize(video, Json),
            TraceParent = Activity.Current?.Id,
            CreatedAt = now,
        };
        db.ChangeFeed.Add(change);
        return change;
    }

    public static ChangeEvent RecordDelete(PhyghtDbContext db, Guid videoId, DateTimeOffset now)
    {
        var change = new ChangeEvent
        {
            VideoId = videoId,
            EventType = ChangeEventTypes.Delete,
            TraceParent = Activity.Current?.Id,
            CreatedAt = now,
        };
        db.ChangeFeed.Add(change);
        return change;
    }

    public static Video? SnapshotOf(ChangeEvent change) =>
        change.Snapshot is null ? null : JsonSerializer.Deserialize<Video>(change.Snapshot, Json);
}
