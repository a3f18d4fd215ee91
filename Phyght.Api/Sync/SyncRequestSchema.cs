namespace Phyght.Api.Sync;

/// <summary><c>POST /sync</c> as the OpenAPI document shows it (the endpoint validates the raw JSON op by op).</summary>
public sealed record SyncRequest(
    Guid VideoId,
    IReadOnlyDictionary<string, long>? ClientVectorClock,
    long? ClientVersion,
    IReadOnlyList<Phyght.Core.Crdt.OperationInput>? Operations);
