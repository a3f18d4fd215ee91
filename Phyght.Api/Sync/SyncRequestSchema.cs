using Microsoft.OpenApi;
using Phyght.Core.Crdt;
using static Phyght.Api.Infrastructure.JsonBodySchema;

namespace Phyght.Api.Sync;

public static partial class SyncRequestReader
{
    /// <summary><c>POST /sync</c> as <see cref="Read"/> reads it; each op as crdt.md's table (the value's type
    /// follows the op's type).</summary>
    public static OpenApiSchema BodySchema() => Object([Field.VideoId],
        (Field.VideoId, Uuid()),
        (Field.ClientVectorClock, Clock(OperationRules.MaxClockEntries)),
        (Field.Operations, ArrayOf(Object(["actor", "seq", "lamport", "type", "value"],
            ("actor", new OpenApiSchema { Type = JsonSchemaType.String, Pattern = OperationRules.ActorPatternText }),
            ("seq", Integer(1, OperationRules.MaxSafeInteger)),
            ("lamport", Integer(1, OperationRules.MaxSafeInteger)),
            ("type", new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. OpTypeNames.All.Select(n => (System.Text.Json.Nodes.JsonNode)n)] }),
            ("value", new OpenApiSchema { Description = "A string, null, an array of strings or a boolean, by type." }),
            ("context", Clock(OperationRules.MaxClockEntries))), MaxOps, nullable: true)));
}
