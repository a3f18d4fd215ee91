using Microsoft.EntityFrameworkCore;
using Phyght.Core.Crdt;
using Phyght.Core.Data;

namespace Phyght.Core.Videos;

/// <summary>What applying a batch of ops to one video did.</summary>
public sealed record AppliedBatch(
    VideoDocument Before,
    VideoDocument After,
    IReadOnlyList<CrdtOperation> Stored,
    int Duplicates,
    IReadOnlyList<string> Conflicts);

/// <summary>
/// The one code path by which video metadata changes: API edits, syncs and the worker all apply ops here, inside the
/// caller's transaction and under the video's row lock, writing the op log and the materialized row together.
/// </summary>
public sealed class VideoChangeWriter(PhyghtDbContext db, TimeProvider time)
{
    /// <summary>Actors starting with this are the server's own; clients may not use them.</summary>
    public const string ServerActorPrefix = "server-";

    public const string WorkerActor = "server-worker";

    public static string ServerActorFor(Guid userId) => $"{ServerActorPrefix}{userId:N}";

    /// <summary>Ops of a server actor for the given changes: seqs after the actor's last, lamports above every one held.</summary>
    public static IReadOnlyList<Operation> ServerOps(VideoDocument document, string actor, IEnumerable<(OpType Type, OpValue Value)> changes)
    {
        var ops = new List<Operation>();
        var context = document.Clock;
        var seq = context[actor];
        var lamport = document.MaxLamport;
        foreach (var (type, value) in changes)
        {
            var op = new Operation(actor, ++seq, ++lamport, type, value, context);
            ops.Add(op);
            context = context.With(op.Dot);
        }
        return ops;
    }

    public static VideoDocument DocumentOf(Video video) => DocumentJson.Deserialize(video.CrdtState);

    /// <summary>Applies validated ops (per-actor order already checked) and updates the row from the result.</summary>
    public AppliedBatch Apply(Video video, IReadOnlyList<Operation> ops, Guid? author)
    {
        var before = DocumentOf(video);
        var document = before;
        var conflicts = new List<string>();
        var stored = new List<CrdtOperation>();
        var duplicates = 0;
        var now = time.GetUtcNow();
        foreach (var op in ops)
        {
            document = document.Apply(op, out var status, conflicts);
            switch (status)
            {
                case ApplyStatus.Duplicate:
                    duplicates++;
                    break;
                case ApplyStatus.Gap:
                    throw new InvalidOperationException($"op {op.Dot} arrived out of order; batches must be checked first");
                default:
                    var row = new CrdtOperation
                    {
                        VideoId = video.Id,
                        Actor = op.Actor,
                        Seq = op.Seq,
                        Lamport = op.Lamport,
                        OperationType = op.Type.ToName(),
                        Value = DocumentJson.SerializeValue(op),
                        Context = op.Context is null ? null : DocumentJson.SerializeClock(op.Context),
                        Author = author,
                        ReceivedAt = now,
                    };
                    db.CrdtOperations.Add(row);
                    stored.Add(row);
                    break;
            }
        }
        if (stored.Count > 0)
        {
            Materialize(video, document);
            video.UpdatedAt = now;
            video.LastModifiedBy = author ?? video.LastModifiedBy;
        }
        return new AppliedBatch(before, document, stored, duplicates, conflicts);
    }

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
        video.CrdtState = DocumentJson.Serialize(document);
    }

    public static Operation ToOperation(CrdtOperation row)
    {
        OpTypeNames.TryParse(row.OperationType, out var type);
        return new Operation(row.Actor, row.Seq, row.Lamport, type, DocumentJson.DeserializeValue(type, row.Value),
            row.Context is null ? null : DocumentJson.DeserializeClock(row.Context));
    }
}
