using System.Text.Json;
using Phyght.Api.Videos;
using Phyght.Core.Crdt;

namespace Phyght.Api.Sync;

/// <summary>A <c>POST /sync</c> body, read and validated.</summary>
public sealed record SyncBatch(Guid VideoId, VectorClock ClientClock, IReadOnlyList<Operation> Ops);

public abstract record SyncRead
{
    public sealed record Ok(SyncBatch Batch) : SyncRead;
    public sealed record Invalid(Dictionary<string, string[]> Errors) : SyncRead;
    /// <summary>Ops from a caller who may only pull: refused before a single op is parsed.</summary>
    public sealed record Forbidden : SyncRead;
}

/// <summary>
/// Reads a <c>POST /sync</c> body, pure: the shape, then the count of ops and the caller's right to send any, then
/// each op (crdt.md's table and rule 5's per-op bounds). Work is linear in the body, which is itself capped.
/// </summary>
public static partial class SyncRequestReader
{
    public const int MaxOps = 1_000;

    /// <summary>The body's field names, as <see cref="Read"/> reads them and <see cref="BodySchema"/> documents them.</summary>
    public static class Field
    {
        public const string VideoId = "video_id";
        public const string ClientVectorClock = "client_vector_clock";
        public const string Operations = "operations";
    }

    public static SyncRead Read(JsonElement body, bool mayWrite)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return Invalid("body", "Expected a JSON object.");
        }
        var errors = new Dictionary<string, string[]>();
        var videoId = Guid.Empty;
        if (!body.TryGetProperty(Field.VideoId, out var videoIdElement) || videoIdElement.ValueKind != JsonValueKind.String
            || !Guid.TryParse(videoIdElement.GetString(), out videoId))
        {
            errors[Field.VideoId] = ["A video UUID is required."];
        }
        var clientClock = VectorClock.Empty;
        if (body.TryGetProperty(Field.ClientVectorClock, out var clockElement) && clockElement.ValueKind != JsonValueKind.Null)
        {
            if (VideoFields.ReadClock(clockElement) is { } clock)
            {
                clientClock = clock;
            }
            else
            {
                errors[Field.ClientVectorClock] = [$"An object mapping at most {OperationRules.MaxClockEntries} actors to integers from 0 to 2^53 − 1."];
            }
        }
        var opsElement = body.TryGetProperty(Field.Operations, out var element) ? element : default;
        if (opsElement.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Array))
        {
            errors[Field.Operations] = ["An array of operations."];
        }
        if (errors.Count > 0)
        {
            return new SyncRead.Invalid(errors);
        }
        var count = opsElement.ValueKind == JsonValueKind.Array ? opsElement.GetArrayLength() : 0;
        if (count > 0 && !mayWrite)
        {
            return new SyncRead.Forbidden();
        }
        if (count > MaxOps)
        {
            return Invalid(Field.Operations, $"At most {MaxOps} operations per batch; send the rest in further batches.");
        }
        var ops = new List<Operation>(count);
        if (count > 0)
        {
            foreach (var opElement in opsElement.EnumerateArray())
            {
                if (ParseOp(opElement, out var error) is not { } op)
                {
                    return Invalid($"operations[{ops.Count}]", $"Operation {ops.Count}: {error}");
                }
                ops.Add(op);
            }
        }
        return new SyncRead.Ok(new SyncBatch(videoId, clientClock, ops));
    }

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static Operation? ParseOp(JsonElement element, out string? error)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            error = "must be an object";
            return null;
        }
        OperationInput? input;
        try
        {
            input = element.Deserialize<OperationInput>(Web);
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
        if (input.Actor is { } actor && ServerActors.IsServer(actor))
        {
            error = $"actors starting with '{ServerActors.Prefix}' are reserved for the server";
            return null;
        }
        return OperationRules.Validate(input, out error);
    }

    private static SyncRead.Invalid Invalid(string field, string message) => new(new() { [field] = [message] });
}
