using System.Text.Json;
using Phyght.Api.Videos;

namespace Phyght.Api.Sync;

public sealed record OperationResponse(
    string Actor,
    long Seq,
    long Lamport,
    string Type,
    JsonElement Value,
    IReadOnlyDictionary<string, long>? Context,
    Guid? Author,
    DateTimeOffset ReceivedAt);

public sealed record SyncResponse(
    Guid VideoId,
    string SyncType,
    string Action,
    VideoResponse MergedVideo,
    int ConflictsResolved,
    IReadOnlyDictionary<string, long> ServerVectorClock,
    long ServerVersion,
    long ServerLamport,
    IReadOnlyList<OperationResponse> Operations,
    string Cursor,
    bool HasMore);
