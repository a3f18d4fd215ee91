using Microsoft.EntityFrameworkCore;
using Phyght.Core.Accounts;
using Phyght.Core.Videos;

namespace Phyght.Core.Data;

/// <summary>Keys of PostgreSQL advisory locks: each serializes one kind of work across instances.</summary>
public static class AdvisoryLocks
{
    public const long Migrations = 7_162_533;
    public const long BootstrapAdmin = 7_162_534;
    /// <summary>Held by a writer from its change-feed insert to its commit (see <see cref="Videos.VideoWriter"/>).</summary>
    public const long ChangeFeedOrder = 7_162_535;
}

/// <summary>
/// The SQL EF cannot express (row locks, <c>SKIP LOCKED</c>, advisory locks, the database's own functions), in one
/// place and by name. Everything else is LINQ.
/// </summary>
public static class LockingQueries
{
    /// <summary>The video's row, locked until the transaction ends: every writer of a video takes this lock (only
    /// <see cref="VideoWriter"/> calls it), so seq and lamport allocation, op application and status changes never interleave.</summary>
    internal static Task<Video?> LockVideoAsync(this PhyghtDbContext db, Guid id, CancellationToken ct) =>
        db.Videos.FromSqlInterpolated($"SELECT * FROM videos WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct);

    /// <summary>Deletes up to <paramref name="limit"/> sessions never completed that expired before
    /// <paramref name="horizon"/>, and returns them (the condition checked in the same statement that deletes).</summary>
    public static Task<List<UploadSession>> DeleteAbandonedUploadSessionsAsync(this PhyghtDbContext db, DateTimeOffset horizon, int limit, CancellationToken ct) =>
        db.UploadSessions.FromSqlInterpolated($"""
            DELETE FROM upload_sessions WHERE id IN (
                SELECT id FROM upload_sessions WHERE completed_at IS NULL AND expires_at < {horizon} ORDER BY expires_at LIMIT {limit})
            AND completed_at IS NULL
            RETURNING *
            """).AsNoTracking().ToListAsync(ct);

    public static Task<Profile?> LockProfileAsync(this PhyghtDbContext db, Guid id, CancellationToken ct) =>
        db.Profiles.FromSqlInterpolated($"SELECT * FROM profiles WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct);

    public static Task<RefreshToken?> LockRefreshTokenAsync(this AccountsDbContext db, string hash, CancellationToken ct) =>
        db.RefreshTokens.FromSqlInterpolated($"SELECT * FROM refresh_tokens WHERE token_hash = {hash} FOR UPDATE").SingleOrDefaultAsync(ct);

    /// <summary>Unpublished outbox rows older than <paramref name="before"/>, locked so two instances never send one twice.</summary>
    public static Task<List<ChangeEvent>> LockUnpublishedChangesAsync(this PhyghtDbContext db, DateTimeOffset before, int limit, CancellationToken ct) =>
        db.ChangeFeed
            .FromSqlInterpolated($"SELECT * FROM change_feed WHERE published_at IS NULL AND created_at < {before} ORDER BY seq LIMIT {limit} FOR UPDATE SKIP LOCKED")
            .AsNoTracking()
            .ToListAsync(ct);

    /// <summary>Claims the next runnable job (queued and due, or running with a lapsed lease) for a worker.</summary>
    internal static async Task<ProcessingJob?> ClaimNextJobAsync(this PhyghtDbContext db, string worker, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken ct)
    {
        var jobs = await db.ProcessingJobs.FromSqlInterpolated($"""
            UPDATE processing_jobs SET state = 'running', attempts = attempts + 1, lease_until = {leaseUntil},
                   leased_by = {worker}, updated_at = {now}
            WHERE id = (
                SELECT id FROM processing_jobs
                WHERE (state = 'queued' AND run_after <= {now}) OR (state = 'running' AND lease_until < {now})
                ORDER BY run_after
                LIMIT 1
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(ct);
        return jobs.SingleOrDefault();
    }

    /// <summary>Locks the job's row if this worker's attempt still holds it (same worker, same attempt, still running):
    /// the fence a worker passes before writing a job's outcome. A claim skips the locked row meanwhile.</summary>
    public static async Task<bool> LockHeldJobAsync(this PhyghtDbContext db, ProcessingJob job, CancellationToken ct)
    {
        var held = await db.ProcessingJobs.FromSqlInterpolated($"""
            SELECT * FROM processing_jobs
            WHERE id = {job.Id} AND leased_by = {job.LeasedBy} AND attempts = {job.Attempts} AND state = 'running'
            FOR UPDATE
            """).AsNoTracking().ToListAsync(ct);
        return held.Count == 1;
    }

    /// <summary>The video's ops after the given seq of each given actor, up to op id <paramref name="upTo"/>, oldest first,
    /// at most <paramref name="limit"/>; <paramref name="lacking"/> is how many there are (the clocks say: seqs have no
    /// gaps). The cost follows what is read, not the log's length: a client a little behind (the usual sync) reads one
    /// range of the (video, actor, seq) index per actor, exactly what it lacks (0.35 ms at 9,000 ops, where a walk of
    /// the video's ops in id order took 3.3 ms and grew with the log); one lacking more than a page (a new device on a
    /// long history) walks the log in id order and stops at the page, where the ranges would each read up to a page.
    /// The ranges give the same oldest ops because an actor's seqs are stored in id order (<see cref="InsertOpsAsync"/>).</summary>
    public static Task<List<CrdtOperation>> OpsAfterAsync(this PhyghtDbContext db, Guid videoId, string[] actors, long[] afterSeqs, long upTo,
        long lacking, int limit, CancellationToken ct)
    {
        // The LIMIT never cuts (an actor lacks at most `lacking`); it keeps PostgreSQL from flattening the lateral
        // subquery back into a join over the video's whole log.
        var rows = lacking <= limit
            ? db.CrdtOperations.FromSqlInterpolated($"""
                SELECT o.* FROM unnest({actors}, {afterSeqs}) AS held(actor, seq)
                CROSS JOIN LATERAL (
                    SELECT * FROM crdt_operations o
                    WHERE o.video_id = {videoId} AND o.actor = held.actor AND o.seq > held.seq AND o.id <= {upTo}
                    ORDER BY o.seq
                    LIMIT {limit}) AS o
                """)
            : db.CrdtOperations.FromSqlInterpolated($"""
                SELECT o.* FROM crdt_operations o
                JOIN unnest({actors}, {afterSeqs}) AS held(actor, seq) ON o.actor = held.actor AND o.seq > held.seq
                WHERE o.video_id = {videoId} AND o.id <= {upTo}
                """);
        return rows.AsNoTracking().OrderBy(o => o.Id).Take(limit).ToListAsync(ct);
    }

    /// <summary>Appends a change's new ops (all of <paramref name="videoId"/>) to the log in one statement, in their order (ids follow it: each actor's seqs
    /// are stored in id order, which <see cref="OpsAfterAsync"/> relies on), and sets their ids. EF inserts one statement
    /// per row, each a trip through the executor, three indexes and the foreign-key check: ~0.24 ms of the server per
    /// row, ~80 rows per sync group.</summary>
    internal static async Task InsertOpsAsync(this PhyghtDbContext db, Guid videoId, IReadOnlyList<CrdtOperation> ops, CancellationToken ct)
    {
        if (ops.Count == 0)
        {
            return;
        }
        var inserted = await db.Database.SqlQuery<InsertedOp>($"""
            INSERT INTO crdt_operations (video_id, actor, seq, lamport, operation_type, value, context, author, received_at)
            SELECT {videoId}, actor, seq, lamport, operation_type, value, context, author, received_at
            FROM unnest({ops.Select(o => o.Actor).ToArray()}, {ops.Select(o => o.Seq).ToArray()}, {ops.Select(o => o.Lamport).ToArray()},
                {ops.Select(o => o.OperationType).ToArray()}, {ops.Select(o => o.Value).ToArray()}::jsonb[],
                {ops.Select(o => o.Context).ToArray()}::jsonb[], {ops.Select(o => o.Author).ToArray()}::uuid[],
                {ops.Select(o => o.ReceivedAt).ToArray()})
                WITH ORDINALITY AS op(actor, seq, lamport, operation_type, value, context, author, received_at, position)
            ORDER BY position
            RETURNING actor, seq, id
            """).ToListAsync(ct);
        var ids = inserted.ToDictionary(r => (r.Actor, r.Seq), r => r.Id);
        foreach (var op in ops)
        {
            op.Id = ids[(op.Actor, op.Seq)];
        }
    }

    private sealed record InsertedOp(string Actor, long Seq, long Id);

    /// <summary>The video's ops at exactly the given dots (pairs of <paramref name="actors"/> and <paramref name="seqs"/>).</summary>
    public static Task<List<CrdtOperation>> OpsAtAsync(this PhyghtDbContext db, Guid videoId, string[] actors, long[] seqs, CancellationToken ct) =>
        db.CrdtOperations.FromSqlInterpolated($"""
                SELECT o.* FROM crdt_operations o
                JOIN unnest({actors}, {seqs}) AS dot(actor, seq) ON o.actor = dot.actor AND o.seq = dot.seq
                WHERE o.video_id = {videoId}
                """)
            .AsNoTracking()
            .ToListAsync(ct);

    /// <summary>Each given actor's last lamport on the video (the lamport of its highest seq): one index lookup per
    /// actor, in one statement. Actors without ops are left out.</summary>
    public static async Task<Dictionary<string, long>> LastLamportsAsync(this PhyghtDbContext db, Guid videoId, string[] actors, CancellationToken ct)
    {
        var rows = await db.Database.SqlQuery<ActorLamport>($"""
            SELECT a.actor AS "Actor", last.lamport AS "Lamport"
            FROM unnest({actors}) AS a(actor)
            CROSS JOIN LATERAL (
                SELECT o.lamport FROM crdt_operations o WHERE o.video_id = {videoId} AND o.actor = a.actor ORDER BY o.seq DESC LIMIT 1) AS last
            """).ToListAsync(ct);
        return rows.ToDictionary(r => r.Actor, r => r.Lamport);
    }

    private sealed record ActorLamport(string Actor, long Lamport);

    /// <summary>Counts a view through <c>phyght_count_view</c> (the one write a reader makes); null when not readable.</summary>
    public static async Task<long?> CountViewAsync(this PhyghtDbContext db, Guid videoId, CancellationToken ct)
    {
        var counts = await db.Database.SqlQuery<long?>($"""SELECT phyght_count_view({videoId}) AS "Value" """).ToListAsync(ct);
        return counts[0];
    }

    /// <summary>An advisory lock held until the session ends (the migrator's).</summary>
    public static Task AdvisoryLockAsync(this DbContext db, long key, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({key})", ct);

    /// <summary>An advisory lock held until the transaction ends.</summary>
    public static Task AdvisoryTransactionLockAsync(this DbContext db, long key, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({key})", ct);

    /// <summary>Records a retried write's first attempt as in flight; false when the caller already used the key.</summary>
    public static async Task<bool> TryBeginIdempotentAsync(this PhyghtDbContext db, Guid userId, string key, string requestHash, DateTimeOffset now, CancellationToken ct) =>
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES ({userId}, {key}, {requestHash}, {now})
            ON CONFLICT (user_id, key) DO NOTHING
            """, ct) == 1;

    /// <summary>The role the database gives a user (the only source of authority), or null without a profile.</summary>
    public static Task<UserRole?> RoleOfAsync(this PhyghtDbContext db, Guid userId, CancellationToken ct) =>
        db.Profiles.Where(p => p.Id == userId).Select(p => (UserRole?)p.Role).SingleOrDefaultAsync(ct);
}
