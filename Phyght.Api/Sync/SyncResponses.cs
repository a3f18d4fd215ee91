using System.Globalization;
using System.Text.Json;
using Phyght.Api.Videos;
using Phyght.Core.Crdt;

namespace Phyght.Api.Sync;

/// <summary>Shapes <c>/sync</c> answers (crdt.md): the merged video, the server's clock, the ops the client lacks.</summary>
public sealed class SyncResponses(VideoResponses videos)
{
    public SyncResponse Of(Video video, VideoDocument document, ClockOrder clientVsServer, int conflicts,
        IEnumerable<CrdtOperation> operations, bool hasMore, long cursor) =>
        Of(videos.From(video), document, clientVsServer, conflicts, operations, hasMore, cursor);

    public SyncResponse Of(VideoResponse video, VideoDocument document, ClockOrder clientVsServer, int conflicts,
        IEnumerable<CrdtOperation> operations, bool hasMore, long cursor)
    {
        var (syncType, action) = clientVsServer switch
        {
            ClockOrder.Equal => ("up_to_date", "none"),
            ClockOrder.Before => ("fast_forward", "applied_remote"),
            ClockOrder.After => ("client_ahead", "accepted_client"),
            _ => ("concurrent", "merged_concurrent"),
        };
        return new SyncResponse(
            video.Id,
            syncType,
            action,
            video,
            conflicts,
            document.Clock.Entries,
            document.Version,
            document.MaxLamport,
            [.. operations.Select(ToResponse)],
            cursor.ToString(CultureInfo.InvariantCulture),
            hasMore);
    }

    /// <summary>crdt.md's <c>sync_type</c>: the client's clock (after its batch) against the server's before it.</summary>
    public static ClockOrder Compare(VectorClock client, VectorClock server) => client.CompareTo(server);

    private static OperationResponse ToResponse(CrdtOperation row) =>
        new(row.Actor, row.Seq, row.Lamport, row.OperationType, JsonElement.Parse(row.Value),
            row.Context is null ? null : DocumentJson.DeserializeClock(row.Context).Entries, row.Author, row.ReceivedAt);
}

/// <summary><c>Sync</c>: crdt.md's bounds.</summary>
public sealed class SyncOptions
{
    public const string Section = "Sync";

    /// <summary>How far ahead of the server's lamport a client's op may be (rule 5).</summary>
    public long MaxLamportLead { get; set; } = 1_048_576;

    public int DefaultPullLimit { get; set; } = 1_000;

    /// <summary>The most ops one answer carries (<c>GET /sync</c>'s <c>limit</c>, and a <c>POST /sync</c>'s lacking ops).</summary>
    public int MaxPullLimit { get; set; } = 10_000;
}
