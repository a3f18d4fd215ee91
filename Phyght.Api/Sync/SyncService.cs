using System.Globalization;
using System.Text.Json;
using Phyght.Api.Videos;
using Phyght.Core.Crdt;
using Phyght.Core.Realtime;
using Phyght.Core.Videos;

namespace Phyght.Api.Sync;

public abstract record SyncOutcome
{
    public sealed record Done(SyncResponse Response) : SyncOutcome;
    public sealed record Invalid(Dictionary<string, string[]> Errors) : SyncOutcome;
    public sealed record NotFound : SyncOutcome;
    public sealed record Forbidden : SyncOutcome;
    public sealed record DotReused(int Index, Dot Dot) : SyncOutcome;
    public sealed record Gap(string Actor, long MissingFrom, long MissingTo) : SyncOutcome;
}

/// <summary><c>POST /sync</c> and <c>GET /sync</c> of crdt.md: validate the whole batch, apply it under the video's
/// lock through <see cref="VideoChangeWriter"/>, answer with what the client lacks.</summary>
public sealed class SyncService(
    PhyghtDbContext db,
    VideoChangeWriter writer,
    VideoCatalog catalog,
    VideoResponses responses,
    SyncMetrics metrics,
    ChangePublisher publisher,
    TimeProvider time,
    ILogger<SyncService> logger)
{
    public async Task<SyncOutcome> SyncAsync(JsonElement body, Guid? userId, bool staff, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.ValueKind != JsonValueKind.Object)
        {
            return new SyncOutcome.Invalid(new() { ["body"] = ["Expected a JSON object."] });
        }
        var videoId = Guid.Empty;
        if (!body.TryGetProperty("video_id", out var videoIdElement) || videoIdElement.ValueKind != JsonValueKind.String
            || !Guid.TryParse(videoIdElement.GetString(), out videoId))
        {
            errors["video_id"] = ["A video UUID is required."];
        }
        var clientClock = VectorClock.Empty;
        if (body.TryGetProperty("client_vector_clock", out var clockElement) && clockElement.ValueKind != JsonValueKind.Null)
        {
            if (VideoFields.ReadClock(clockElement) is { } clock)
            {
                clientClock = clock;
            }
            else
            {
                errors["client_vector_clock"] = ["An object mapping actors to non-negative integers."];
            }
        }
        var ops = new List<Operation>();
        if (body.TryGetProperty("operations", out var opsElement) && opsElement.ValueKind != JsonValueKind.Null)
        {
            if (opsElement.ValueKind != JsonValueKind.Array)
            {
                errors["operations"] = ["An array of operations."];
            }
            else
            {
                var index = 0;
                foreach (var element in opsElement.EnumerateArray())
                {
                    var op = ParseOp(element, out var error);
                    if (op is null)
                    {
                        errors[$"operations[{index}]"] = [$"Operation {index}: {error}"];
                        break;
                    }
                    ops.Add(op);
                    index++;
                }
            }
        }
        if (errors.Count > 0)
        {
            metrics.Rejected.Add(1, new KeyValuePair<string, object?>("reason", "invalid"));
            return new SyncOutcome.Invalid(errors);
        }
        if (ops.Count > 0 && !staff)
        {
            return new SyncOutcome.Forbidden();
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var video = await db.LockVideoAsync(videoId, ct);
        if (video is null || video.DeletedAt is not null || (!staff && video.Status != VideoStatus.Ready))
        {
            return new SyncOutcome.NotFound();
        }
        var before = VideoChangeWriter.DocumentOf(video);
        var rejection = await CheckBatchAsync(videoId, before, ops, ct);
        if (rejection is not null)
        {
            metrics.Rejected.Add(1, new KeyValuePair<string, object?>("reason", rejection.GetType().Name));
            return rejection;
        }
        var ordered = ops.Where(o => !before.Clock.Covers(o.Dot))
            .DistinctBy(o => o.Dot)
            .OrderBy(o => o.Actor, StringComparer.Ordinal).ThenBy(o => o.Seq)
            .ToList();
        var applied = writer.Apply(video, ordered, userId);
        ChangeEvent[] changes = applied.Stored.Count > 0 ? [ChangeFeed.Record(db, video, ChangeEventTypes.Update, time.GetUtcNow())] : [];
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        await publisher.PublishAsync(changes, ct);

        metrics.OpsApplied.Add(applied.Stored.Count);
        metrics.Duplicates.Add(ops.Count - applied.Stored.Count);
        metrics.Conflicts.Add(applied.Conflicts.Count);
        if (applied.Stored.Count > 0)
        {
            logger.LogInformation("Sync applied {Applied} ops ({Duplicates} duplicates, {Conflicts} conflicts) to video {VideoId} for user {UserId}",
                applied.Stored.Count, ops.Count - applied.Stored.Count, applied.Conflicts.Count, videoId, userId);
        }

        var clientAfter = ops.Aggregate(clientClock, (clock, op) => clock.With(op.Dot));
        var (syncType, action) = clientAfter.CompareTo(before.Clock) switch
        {
            ClockOrder.Equal => ("up_to_date", "none"),
            ClockOrder.Before => ("fast_forward", "applied_remote"),
            ClockOrder.After => ("client_ahead", "accepted_client"),
            _ => ("concurrent", "merged_concurrent"),
        };
        var lacking = await MissingAsync(videoId, applied.After.Clock, clientAfter, ct);
        return new SyncOutcome.Done(Respond(video, applied.After, syncType, action, applied.Conflicts.Count, lacking, await CursorAsync(videoId, ct)));
    }

    public async Task<SyncOutcome> ChangesAsync(string? videoIdText, string? since, bool staff, CancellationToken ct)
    {
        if (!Guid.TryParse(videoIdText, out var videoId))
        {
            return new SyncOutcome.Invalid(new() { ["video_id"] = ["A video UUID is required."] });
        }
        long? afterId = null;
        DateTimeOffset? afterTime = null;
        if (!string.IsNullOrEmpty(since))
        {
            if (long.TryParse(since, NumberStyles.None, CultureInfo.InvariantCulture, out var cursor))
            {
                afterId = cursor;
            }
            else if (DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
            {
                afterTime = instant;
            }
            else
            {
                return new SyncOutcome.Invalid(new() { ["since"] = ["An ISO-8601 instant or a cursor from an earlier response."] });
            }
        }
        var video = await catalog.FindReadableAsync(videoId, staff, ct);
        if (video is null)
        {
            return new SyncOutcome.NotFound();
        }
        var delta = await db.CrdtOperations.AsNoTracking()
            .Where(o => o.VideoId == videoId && (afterId == null || o.Id > afterId) && (afterTime == null || o.ReceivedAt > afterTime))
            .OrderBy(o => o.Id)
            .ToListAsync(ct);
        var document = VideoChangeWriter.DocumentOf(video);
        var (syncType, action) = delta.Count > 0 ? ("fast_forward", "applied_remote") : ("up_to_date", "none");
        return new SyncOutcome.Done(Respond(video, document, syncType, action, 0, delta, await CursorAsync(videoId, ct)));
    }

    /// <summary>The held ops a clock does not cover, read per actor from the (video, actor, seq) index: the cost
    /// follows what the client lacks, not the length of the log.</summary>
    private async Task<List<CrdtOperation>> MissingAsync(Guid videoId, VectorClock server, VectorClock client, CancellationToken ct)
    {
        var behind = server.Entries.Where(e => client[e.Key] < e.Value).ToList();
        if (behind.Count == 0)
        {
            return [];
        }
        var actors = behind.Select(e => e.Key).ToArray();
        var seqs = behind.Select(e => client[e.Key]).ToArray();
        return await db.CrdtOperations.FromSqlInterpolated($"""
                SELECT o.* FROM crdt_operations o
                JOIN unnest({actors}, {seqs}) AS held(actor, seq) ON o.actor = held.actor AND o.seq > held.seq
                WHERE o.video_id = {videoId}
                """)
            .AsNoTracking()
            .OrderBy(o => o.Id)
            .ToListAsync(ct);
    }

    private async Task<long> CursorAsync(Guid videoId, CancellationToken ct) =>
        await db.CrdtOperations.Where(o => o.VideoId == videoId).MaxAsync(o => (long?)o.Id, ct) ?? 0;

    private SyncResponse Respond(Video video, VideoDocument document, string syncType, string action, int conflicts,
        IEnumerable<CrdtOperation> operations, long cursor) => new(
        video.Id,
        syncType,
        action,
        responses.From(video),
        conflicts,
        document.Clock.Entries,
        document.Version,
        document.MaxLamport,
        [.. operations.Select(ToResponse)],
        cursor.ToString(CultureInfo.InvariantCulture));

    /// <summary>Whole-batch checks: a reused dot with another body (409), per-actor gaps (422), lamports that do not grow (400).</summary>
    private async Task<SyncOutcome?> CheckBatchAsync(Guid videoId, VideoDocument before, List<Operation> ops, CancellationToken ct)
    {
        var seen = new Dictionary<Dot, Operation>();
        for (var i = 0; i < ops.Count; i++)
        {
            if (seen.TryGetValue(ops[i].Dot, out var earlier) && !earlier.SameBodyAs(ops[i]))
            {
                return new SyncOutcome.DotReused(i, ops[i].Dot);
            }
            seen[ops[i].Dot] = ops[i];
        }
        var held = ops.Select((op, index) => (op, index)).Where(x => before.Clock.Covers(x.op.Dot)).ToList();
        if (held.Count > 0)
        {
            var actors = held.Select(x => x.op.Actor).Distinct().ToList();
            var stored = (await db.CrdtOperations.AsNoTracking()
                    .Where(o => o.VideoId == videoId && actors.Contains(o.Actor))
                    .ToListAsync(ct))
                .ToDictionary(o => new Dot(o.Actor, o.Seq), VideoChangeWriter.ToOperation);
            foreach (var (op, index) in held)
            {
                if (stored.TryGetValue(op.Dot, out var existing) && !existing.SameBodyAs(op))
                {
                    return new SyncOutcome.DotReused(index, op.Dot);
                }
            }
        }
        var fresh = seen.Values.Where(o => !before.Clock.Covers(o.Dot)).GroupBy(o => o.Actor).ToList();
        if (fresh.Count == 0)
        {
            return null;
        }
        foreach (var group in fresh)
        {
            var expected = before.Clock[group.Key] + 1;
            // The actor's previous op is its highest seq: one index lookup, however long the log.
            var lamport = await db.CrdtOperations
                .Where(o => o.VideoId == videoId && o.Actor == group.Key)
                .OrderByDescending(o => o.Seq)
                .Select(o => o.Lamport)
                .FirstOrDefaultAsync(ct);
            foreach (var op in group.OrderBy(o => o.Seq))
            {
                if (op.Seq != expected)
                {
                    return new SyncOutcome.Gap(group.Key, expected, op.Seq - 1);
                }
                if (op.Lamport <= lamport)
                {
                    var index = ops.FindIndex(o => o.Dot == op.Dot);
                    return new SyncOutcome.Invalid(new()
                    {
                        [$"operations[{index}]"] = [$"Operation {index}: lamport must be greater than the lamport of {op.Actor}'s previous op ({lamport})."],
                    });
                }
                lamport = op.Lamport;
                expected++;
            }
        }
        return null;
    }

    private static Operation? ParseOp(JsonElement element, out string? error)
    {
        OperationInput? input;
        try
        {
            input = element.Deserialize<OperationInput>(new JsonSerializerOptions(JsonSerializerDefaults.Web));
        }
        catch (JsonException)
        {
            error = "actor, seq, lamport, type, value and context have the wrong JSON types";
            return null;
        }
        if (input is null)
        {
            error = "must be an object";
            return null;
        }
        if (input.Actor?.StartsWith(VideoChangeWriter.ServerActorPrefix, StringComparison.Ordinal) == true)
        {
            error = $"actors starting with '{VideoChangeWriter.ServerActorPrefix}' are reserved for the server";
            return null;
        }
        return OperationRules.Validate(input, out error);
    }

    private static OperationResponse ToResponse(CrdtOperation row)
    {
        using var value = JsonDocument.Parse(row.Value);
        return new OperationResponse(row.Actor, row.Seq, row.Lamport, row.OperationType, value.RootElement.Clone(),
            row.Context is null ? null : DocumentJson.DeserializeClock(row.Context).Entries, row.Author, row.ReceivedAt);
    }
}
