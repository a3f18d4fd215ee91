using System.Text.Json;

namespace Phyght.Core.Crdt;

/// <summary>An op as a client sends it, before validation.</summary>
public sealed class OperationInput
{
    public string? Actor { get; set; }

    public long? Seq { get; set; }

    public long? Lamport { get; set; }

    public string? Type { get; set; }

    public JsonElement Value { get; set; }

    public Dictionary<string, long>? Context { get; set; }
}
