using Phyght.Core.Crdt;
using Phyght.Core.Data;

namespace Phyght.Core.Videos;

/// <summary>Between the pure CRDT types and their rows: a video's stored document, and an op as logged.</summary>
public static class VideoRows
{
    public static VideoDocument DocumentOf(Video video) => DocumentJson.Deserialize(video.CrdtState);

    /// <summary>Copies the document's state into the row's columns: the row is a cache of the fold of the log.</summary>
    public static void Materialize(Video video, VideoDocument document)
    {
        video.Title = document.Title.Value ?? video.Title;
        video.Description = document.Description.Value;
        video.Category = document.Category.Value;
        video.IsFeatured = document.Featured.Value;
        video.Tags = [.. document.Tags];
        video.VectorClock = DocumentJson.SerializeClock(document.Clock);
        video.Version = document.Version;
        video.CrdtState = DocumentJson.Serialize(document.Compact());
    }

    public static CrdtOperation ToRow(Guid videoId, Operation op, Guid? author, DateTimeOffset receivedAt) => new()
    {
        VideoId = videoId,
        Actor = op.Actor,
        Seq = op.Seq,
        Lamport = op.Lamport,
        OperationType = op.Type.ToName(),
        Value = DocumentJson.SerializeValue(op),
        Context = op.Context is null ? null : DocumentJson.SerializeClock(op.Context),
        Author = author,
        ReceivedAt = receivedAt,
    };

    public static Operation ToOperation(CrdtOperation row)
    {
        OpTypeNames.TryParse(row.OperationType, out var type);
        return new Operation(row.Actor, row.Seq, row.Lamport, type, DocumentJson.DeserializeValue(type, row.Value),
            row.Context is null ? null : DocumentJson.DeserializeClock(row.Context));
    }
}
