using System.Data;
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

/// <summary><c>POST /sync</c> and <c>GET /sync</c> of crdt.md: a batch is checked whole (<see cref="BatchRules"/>) and
/// applied through <see cref="VideoWriter"/>; pulls read one snapshot, so the ops and the cursor always agree.</summary>
public sealed class SyncService(PhyghtDbContext db, VideoWriter writer, VideoQueries videos, SyncResponses responses, IOptions<SyncOptions> options)
{
    public async Task<SyncOutcome> SyncAsync(SyncBatch batch, Guid? userId, bool staff, CancellationToken ct)
    {
        if (batch.Ops.Count == 0)
        {
            return await RespondAsync(batch.VideoId, batch.ClientClock, staff, conflicts: 0, applied: 0, duplicates: 0, serverBefore: null, ct);
        }
        var outcome = await ApplyAsync(batch, userId, ct);
        if (outcome is not Applied applied)
        {
            return outcome;
        }
        // Committed. The answer is read in one snapshot after the commit, so its ops, clock and cursor agree.
        var clientAfter = batch.Ops.Aggregate(batch.ClientClock, (clock, op) => clock.With(op.Dot));
        return await RespondAsync(batch.VideoId, clientAfter, staff, applied.Conflicts, applied.Stored, batch.Ops.Count - applied.Stored,
            applied.ServerBefore, ct);
    }

    /// <summary>A batch that passed every check and is committed: what it did, for the answer.</summary>
    private sealed record Applied(VectorClock ServerBefore, int Stored, int Conflicts) : SyncOutcome;

    private Task<SyncOutcome> ApplyAsync(SyncBatch batch, Guid? userId, CancellationToken ct) =>
        writer.ChangeAsync<SyncOutcome>(batch.VideoId, new SyncOutcome.NotFound(), async (edit, token) =>
        {
            var before = edit.Document;
            var verdict = BatchRules.Check(before, batch.Ops,
                await StoredBodiesAsync(batch.VideoId, BatchRules.HeldDots(before, batch.Ops), token),
                await LastLamportsAsync(batch.VideoId, BatchRules.FreshActors(before, batch.Ops), token),
                options.Value.MaxLamportLead);
            switch (verdict)
            {
                case BatchVerdict.DotReused reused:
                    return new SyncOutcome.DotReused(reused.Index, reused.Dot);
                case BatchVerdict.Gap gap:
                    return new SyncOutcome.Gap(gap.Actor, gap.MissingFrom, gap.MissingTo);
                case BatchVerdict.Invalid invalid:
                    return new SyncOutcome.Invalid(new() { [$"operations[{invalid.Index}]"] = [$"Operation {invalid.Index}: {invalid.Message}"] });
            }
            var applied = edit.Apply(((BatchVerdict.Accepted)verdict).Fresh, userId);
            return new Applied(before.Clock, applied.Stored.Count, applied.Conflicts.Count);
        }, ct);

    /// <summary>The video as the caller may read it and the ops its clock lacks, read in one snapshot. The sync type
    /// compares the client's clock with the server's before the batch (or now, for a pull).</summary>
    private async Task<SyncOutcome> RespondAsync(Guid videoId, VectorClock client, bool staff, int conflicts, int applied, int duplicates,
        VectorClock? serverBefore, CancellationToken ct)
    {
        await using var snapshot = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        if (await videos.FindReadableAsync(videoId, staff, ct) is not { } video)
        {
            return new SyncOutcome.NotFound();
        }
        var document = VideoRows.DocumentOf(video);
        var (lacking, hasMore) = await MissingAsync(videoId, document.Clock, client, ct);
        var response = responses.Of(video, document, SyncResponses.Compare(client, serverBefore ?? document.Clock), conflicts, lacking, hasMore,
            await CursorAsync(videoId, ct));
        return new SyncOutcome.Done(response, applied, duplicates, conflicts);
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

    private async Task<IReadOnlyDictionary<Dot, Operation>> StoredBodiesAsync(Guid videoId, IReadOnlyList<Dot> dots, CancellationToken ct)
    {
        if (dots.Count == 0)
        {
            return new Dictionary<Dot, Operation>();
        }
        var actors = dots.Select(d => d.Actor).Distinct().ToArray();
        var wanted = dots.ToHashSet();
        var maxSeq = dots.Max(d => d.Seq);
        var rows = await db.CrdtOperations.AsNoTracking()
            .Where(o => o.VideoId == videoId && actors.Contains(o.Actor) && o.Seq <= maxSeq)
            .ToListAsync(ct);
        return rows.Where(r => wanted.Contains(new Dot(r.Actor, r.Seq))).ToDictionary(r => new Dot(r.Actor, r.Seq), VideoRows.ToOperation);
    }

    /// <summary>Each actor's last lamport: its highest seq, one index lookup per actor however long the log.</summary>
    private async Task<IReadOnlyDictionary<string, long>> LastLamportsAsync(Guid videoId, IReadOnlyList<string> actors, CancellationToken ct)
    {
        var lamports = new Dictionary<string, long>();
        foreach (var actor in actors)
        {
            lamports[actor] = await db.CrdtOperations
                .Where(o => o.VideoId == videoId && o.Actor == actor)
                .OrderByDescending(o => o.Seq)
                .Select(o => o.Lamport)
                .FirstOrDefaultAsync(ct);
        }
        return lamports;
    }

    /// <summary>The held ops a clock does not cover (the cost follows what the client lacks, not the log's length),
    /// at most a page of them: a prefix in arrival order, so per-actor order holds and the client pulls the rest.</summary>
    private async Task<(List<CrdtOperation> Ops, bool HasMore)> MissingAsync(Guid videoId, VectorClock server, VectorClock client, CancellationToken ct)
    {
        var behind = server.Entries.Where(e => client[e.Key] < e.Value).ToList();
        if (behind.Count == 0)
        {
            return ([], false);
        }
        var max = options.Value.MaxPullLimit;
        var ops = await db.OpsAfterAsync(videoId, [.. behind.Select(e => e.Key)], [.. behind.Select(e => client[e.Key])], max + 1, ct);
        return ops.Count > max ? (ops[..max], true) : (ops, false);
    }

    private async Task<long> CursorAsync(Guid videoId, CancellationToken ct) =>
        await db.CrdtOperations.Where(o => o.VideoId == videoId).MaxAsync(o => (long?)o.Id, ct) ?? 0;

    private static SyncOutcome.Invalid Invalid(string field, string message) => new(new() { [field] = [message] });
}
