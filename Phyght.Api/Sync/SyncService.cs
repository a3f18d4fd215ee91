using System.Data;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Phyght.Api.Videos;
using Phyght.Core.Crdt;
using Phyght.Core.Videos;

namespace Phyght.Api.Sync;

public abstract record SyncOutcome
{
    public sealed record Done(SyncResponse Response, int Applied, int Duplicates, int Conflicts) : SyncOutcome;
    public sealed record Invalid(Dictionary<string, string[]> Errors) : SyncOutcome;
    public sealed record NotFound : SyncOutcome;
    public sealed record DotReused(int Index, Dot Dot) : SyncOutcome;
    public sealed record Gap(string Actor, long MissingFrom, long MissingTo) : SyncOutcome;
}

/// <summary>A checked batch waiting for its group (<see cref="GroupCommit{TKey,TItem,TResult}"/>), with who sent it.</summary>
public sealed record QueuedBatch(SyncBatch Batch, Guid? Author);

/// <summary><c>POST /sync</c> and <c>GET /sync</c> of crdt.md: a batch is checked whole (<see cref="BatchRules"/>) and
/// applied through <see cref="VideoWriter"/>, in one transaction with the batches for the same video that queued
/// behind the one in progress; pulls read one snapshot, so the ops and the cursor always agree.</summary>
public sealed class SyncService(PhyghtDbContext db, VideoWriter writer, VideoQueries videos, VideoResponses videoResponses, SyncResponses responses,
    GroupCommit<Guid, QueuedBatch, SyncOutcome> groups, SyncMetrics metrics, IOptions<SyncOptions> options)
{
    public async Task<SyncOutcome> SyncAsync(SyncBatch batch, Guid? userId, bool staff, CancellationToken ct)
    {
        if (batch.Ops.Count == 0)
        {
            return await PullAsync(batch.VideoId, batch.ClientClock, staff, ct);
        }
        var (outcome, groupSize) = await groups.RunAsync(batch.VideoId, new QueuedBatch(batch, userId), batch.Ops.Count, ApplyGroupAsync);
        metrics.GroupSize.Record(groupSize);
        Activity.Current?.SetTag("phyght.sync.group_size", groupSize);
        if (outcome is not Applied applied)
        {
            return outcome;
        }
        // Answered from the state the group committed: the ops the client lacks up to the group's cursor (ids grow in
        // commit order per video, under its row lock), so the answer's ops, clock and cursor agree.
        var clientAfter = batch.Ops.Aggregate(batch.ClientClock, (clock, op) => clock.With(op.Dot));
        var state = applied.Committed;
        var (lacking, hasMore) = await MissingAsync(batch.VideoId, state.Document.Clock, clientAfter, state.Cursor, ct);
        var response = responses.Of(state.Video, state.Document, SyncResponses.Compare(clientAfter, applied.ServerBefore), applied.Conflicts,
            lacking, hasMore, state.Cursor);
        return new SyncOutcome.Done(response, applied.Stored, batch.Ops.Count - applied.Stored, applied.Conflicts);
    }

    /// <summary>The video as a group left it: its answer, its document and the last op id it held.</summary>
    private sealed record CommittedState(VideoResponse Video, VideoDocument Document, long Cursor);

    /// <summary>A batch that passed every check, in a group now committed: what it did and what the group left, for the answer.</summary>
    private sealed record Applied(VectorClock ServerBefore, int Stored, int Conflicts) : SyncOutcome
    {
        public CommittedState Committed { get; init; } = null!;
    }

    /// <summary>Checks and applies a group's batches in arrival order, each against the document the ones before it
    /// left (as if they had come one by one), in one transaction. A refused batch changes nothing and does not stop
    /// the others. Not cancelled by the leading request's client: the other batches are not its to abandon.</summary>
    private async Task<SyncOutcome[]> ApplyGroupAsync(Guid videoId, IReadOnlyList<QueuedBatch> group)
    {
        var outcomes = new SyncOutcome[group.Count];
        Array.Fill(outcomes, new SyncOutcome.NotFound());
        var stored = new List<CrdtOperation>();
        long? cursorIfNothingStored = null;
        var edited = await writer.ChangeAsync<VideoEdit?>(videoId, null, async (edit, token) =>
        {
            var facts = await StoredFactsAsync(videoId, edit.Document, group.SelectMany(b => b.Batch.Ops).ToList(), token);
            for (var i = 0; i < group.Count; i++)
            {
                outcomes[i] = Apply(edit, group[i], facts, stored);
            }
            if (stored.Count == 0)
            {
                cursorIfNothingStored = await CursorAsync(videoId, token);
            }
            return edit;
        }, CancellationToken.None);
        if (edited is not null)
        {
            // Committed (or, when every op was a duplicate, read under the lock): ids are assigned, the row is final.
            var committed = new CommittedState(videoResponses.From(edited.Video), edited.Document,
                cursorIfNothingStored ?? stored.Max(o => o.Id));
            for (var i = 0; i < outcomes.Length; i++)
            {
                if (outcomes[i] is Applied applied)
                {
                    outcomes[i] = applied with { Committed = committed };
                }
            }
        }
        return outcomes;
    }

    private SyncOutcome Apply(VideoEdit edit, QueuedBatch queued, StoredFacts facts, List<CrdtOperation> stored)
    {
        var before = edit.Document;
        switch (BatchRules.Check(before, queued.Batch.Ops, facts.Bodies, facts.Lamports, options.Value.MaxLamportLead))
        {
            case BatchVerdict.DotReused reused:
                return new SyncOutcome.DotReused(reused.Index, reused.Dot);
            case BatchVerdict.Gap gap:
                return new SyncOutcome.Gap(gap.Actor, gap.MissingFrom, gap.MissingTo);
            case BatchVerdict.Invalid invalid:
                return new SyncOutcome.Invalid(new() { [$"operations[{invalid.Index}]"] = [$"Operation {invalid.Index}: {invalid.Message}"] });
            case BatchVerdict.Accepted accepted:
                var applied = edit.Apply(accepted.Fresh, queued.Author);
                stored.AddRange(applied.Stored);
                foreach (var op in accepted.Fresh)
                {
                    facts.Bodies[op.Dot] = op;
                    facts.Lamports[op.Actor] = op.Lamport;
                }
                return new Applied(before.Clock, applied.Stored.Count, applied.Conflicts.Count);
            default:
                throw new UnreachableException();
        }
    }

    /// <summary>What <see cref="BatchRules.Check"/> needs from the log, read once for a whole group and kept up to date
    /// as its batches apply: the bodies of held dots the group repeats, and each fresh actor's last lamport.</summary>
    private sealed record StoredFacts(Dictionary<Dot, Operation> Bodies, Dictionary<string, long> Lamports);

    private async Task<StoredFacts> StoredFactsAsync(Guid videoId, VideoDocument before, IReadOnlyList<Operation> ops, CancellationToken ct)
    {
        var held = BatchRules.HeldDots(before, ops);
        var bodies = held.Count == 0
            ? []
            : (await db.OpsAtAsync(videoId, [.. held.Select(d => d.Actor)], [.. held.Select(d => d.Seq)], ct))
                .ToDictionary(r => new Dot(r.Actor, r.Seq), VideoRows.ToOperation);
        var actors = BatchRules.FreshActors(before, ops);
        var lamports = actors.Count == 0 ? [] : await db.LastLamportsAsync(videoId, [.. actors], ct);
        return new StoredFacts(bodies, lamports);
    }

    /// <summary>A <c>POST /sync</c> without ops: the video as the caller may read it and the ops its clock lacks, read in one snapshot.</summary>
    private async Task<SyncOutcome> PullAsync(Guid videoId, VectorClock client, bool staff, CancellationToken ct)
    {
        await using var snapshot = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        if (await videos.FindReadableAsync(videoId, staff, ct) is not { } video)
        {
            return new SyncOutcome.NotFound();
        }
        var document = VideoRows.DocumentOf(video);
        var cursor = await CursorAsync(videoId, ct);
        var (lacking, hasMore) = await MissingAsync(videoId, document.Clock, client, cursor, ct);
        var response = responses.Of(video, document, SyncResponses.Compare(client, document.Clock), 0, lacking, hasMore, cursor);
        return new SyncOutcome.Done(response, 0, 0, 0);
    }

    /// <summary><c>GET /sync</c>: the ops received after <paramref name="since"/> (a cursor or an instant), oldest first, at
    /// most <paramref name="limit"/>; the cursor is the last op returned, so chaining cursors sees every op once.</summary>
    public async Task<SyncOutcome> ChangesAsync(string? videoIdText, string? since, string? limit, bool staff, CancellationToken ct)
    {
        if (!Guid.TryParse(videoIdText, out var videoId))
        {
            return Invalid("video_id", "A video UUID is required.");
        }
        var take = options.Value.DefaultPullLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 || take > options.Value.MaxPullLimit))
        {
            return Invalid("limit", $"An integer from 1 to {options.Value.MaxPullLimit}.");
        }
        long? afterId = null;
        DateTimeOffset? afterTime = null;
        if (!string.IsNullOrEmpty(since))
        {
            if (long.TryParse(since, NumberStyles.None, CultureInfo.InvariantCulture, out var cursor))
            {
                afterId = cursor;
            }
            else if (since.Length <= 64 && !TextRules.HasControlCharacters(since)
                && DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
            {
                afterTime = instant;
            }
            else
            {
                return Invalid("since", "An ISO-8601 instant or a cursor from an earlier response.");
            }
        }
        await using var snapshot = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        if (await videos.FindReadableAsync(videoId, staff, ct) is not { } video)
        {
            return new SyncOutcome.NotFound();
        }
        var page = await db.CrdtOperations.AsNoTracking()
            .Where(o => o.VideoId == videoId && (afterId == null || o.Id > afterId) && (afterTime == null || o.ReceivedAt > afterTime))
            .OrderBy(o => o.Id)
            .Take(take + 1)
            .ToListAsync(ct);
        var hasMore = page.Count > take;
        if (hasMore)
        {
            page.RemoveAt(take);
        }
        var next = page.Count > 0 ? page[^1].Id : afterId ?? await CursorAsync(videoId, ct);
        var syncType = page.Count > 0 ? ClockOrder.Before : ClockOrder.Equal;
        return new SyncOutcome.Done(responses.Of(video, VideoRows.DocumentOf(video), syncType, 0, page, hasMore, next), 0, 0, 0);
    }

    /// <summary>The held ops a clock does not cover, at most a page of them: a prefix in arrival order, so per-actor
    /// order holds and the client pulls the rest (<see cref="LockingQueries.OpsAfterAsync"/>).</summary>
    private async Task<(List<CrdtOperation> Ops, bool HasMore)> MissingAsync(Guid videoId, VectorClock server, VectorClock client, long upTo,
        CancellationToken ct)
    {
        var behind = server.Entries.Where(e => client[e.Key] < e.Value).ToList();
        if (behind.Count == 0)
        {
            return ([], false);
        }
        var max = options.Value.MaxPullLimit;
        var lacking = behind.Sum(e => e.Value - client[e.Key]);
        var ops = await db.OpsAfterAsync(videoId, [.. behind.Select(e => e.Key)], [.. behind.Select(e => client[e.Key])], upTo, lacking, max + 1, ct);
        return ops.Count > max ? (ops[..max], true) : (ops, false);
    }

    private async Task<long> CursorAsync(Guid videoId, CancellationToken ct) =>
        await db.CrdtOperations.Where(o => o.VideoId == videoId).MaxAsync(o => (long?)o.Id, ct) ?? 0;

    private static SyncOutcome.Invalid Invalid(string field, string message) => new(new() { [field] = [message] });
}
