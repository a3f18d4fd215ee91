using Phyght.Core.Crdt;
using Phyght.Core.Data;

namespace Phyght.Core.Videos;

/// <summary>What applying a batch of ops to one video did. The stored rows' ids are set once <see cref="VideoWriter"/> has written them.</summary>
public sealed record AppliedBatch(VideoDocument Before, VideoDocument After, IReadOnlyList<CrdtOperation> Stored, IReadOnlyList<string> Conflicts);

/// <summary>
/// One video's change in progress, handed out by <see cref="VideoWriter"/> inside its transaction and under the
/// video's row lock. Metadata changes are ops (the row is a cache of the fold of the log); lifecycle changes are the
/// methods on <see cref="Videos.Video"/>. To refuse, return before changing anything: the writer then commits nothing.
/// </summary>
public sealed class VideoEdit
{
    private readonly JobQueue _jobs;
    private readonly List<string> _blobsToDelete = [];
    private readonly List<CrdtOperation> _newOps = [];

    internal VideoEdit(JobQueue jobs, Video video, DateTimeOffset now)
    {
        _jobs = jobs;
        Video = video;
        Now = now;
    }

    public Video Video { get; }

    /// <summary>The time of this change, read once.</summary>
    public DateTimeOffset Now { get; }

    private VideoDocument? _document;
    private bool _documentChanged;

    /// <summary>The video's document as this change has left it so far.</summary>
    public VideoDocument Document => _document ??= VideoRows.DocumentOf(Video);

    internal IReadOnlyList<string> BlobsToDelete => _blobsToDelete;

    /// <summary>The ops this change appends to the log (written by <see cref="VideoWriter"/>, which sets their ids).</summary>
    internal IReadOnlyList<CrdtOperation> NewOps => _newOps;

    internal bool Removed { get; private set; }

    internal bool JobsChanged { get; private set; }

    /// <summary>Applies validated ops (per-actor order already checked) and updates the row from the result.</summary>
    public AppliedBatch Apply(IReadOnlyList<Operation> ops, Guid? author)
    {
        var before = Document;
        var document = before;
        var conflicts = new List<string>();
        var stored = new List<CrdtOperation>();
        foreach (var op in ops)
        {
            document = document.Apply(op, out var status, conflicts);
            if (status == ApplyStatus.Gap)
            {
                throw new InvalidOperationException($"op {op.Dot} arrived out of order; batches must be checked first");
            }
            if (status == ApplyStatus.Applied)
            {
                var row = VideoRows.ToRow(Video.Id, op, author, Now);
                _newOps.Add(row);
                stored.Add(row);
            }
        }
        if (stored.Count > 0)
        {
            _document = document;
            _documentChanged = true;
            Video.UpdatedAt = Now;
            Video.LastModifiedBy = author ?? Video.LastModifiedBy;
        }
        return new AppliedBatch(before, document, stored, conflicts);
    }

    /// <summary>Writes the document the applied ops left into the row's columns (<see cref="VideoRows.Materialize"/>):
    /// once per change, however many batches it applied (a sync group applies several).</summary>
    internal void WriteDocument()
    {
        if (_documentChanged)
        {
            VideoRows.Materialize(Video, Document);
            _documentChanged = false;
        }
    }

    /// <summary>Field changes made through the API by a user: ops of that user's server actor.</summary>
    public AppliedBatch ApplyServerChanges(Guid userId, IEnumerable<(OpType Type, OpValue Value)> changes) =>
        Apply(ServerActors.Ops(Document, ServerActors.For(userId), changes), userId);

    /// <summary>Queues processing of the video's current file, in this transaction.</summary>
    public void EnqueueProcessing()
    {
        _jobs.Enqueue(Video.Id, Now);
        JobsChanged = true;
    }

    /// <summary>Ends the video's open jobs as done (an external processor finished the work).</summary>
    public async Task CompleteOpenJobsAsync(CancellationToken ct)
    {
        await _jobs.SucceedOpenJobsOfAsync(Video.Id, Now, ct);
        JobsChanged = true;
    }

    /// <summary>Blobs this change replaces: deleted once it is committed (never before, never on failure).</summary>
    public void DeleteBlobsAfterCommit(IEnumerable<string?> paths) => _blobsToDelete.AddRange(paths.OfType<string>());

    /// <summary>Hard delete: the row goes (its ops and jobs cascade), and after commit every blob of the video.</summary>
    public void Remove() => Removed = true;
}
