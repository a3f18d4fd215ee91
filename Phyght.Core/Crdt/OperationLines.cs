using System.Text.Json;

namespace Phyght.Core.Crdt;

/// <summary>A history of crdt.md ops as JSON lines (one op per line, as <c>../shared/bench/crdt-trace.jsonl</c>), each
/// validated as <c>/sync</c> validates it.</summary>
public static class OperationLines
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static List<Operation> Read(TextReader reader)
    {
        var ops = new List<Operation>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            ops.Add(OperationRules.Validate(JsonSerializer.Deserialize<OperationInput>(line, Json)!, out var error)
                ?? throw new InvalidDataException($"op {ops.Count + 1}: {error}"));
        }
        return ops;
    }
}
