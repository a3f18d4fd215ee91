using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Phyght.Core.Crdt;

/// <summary>JSON forms of CRDT values: the stored document state (<c>videos.crdt_state</c>), op values and clocks.</summary>
public static class DocumentJson
{
    private sealed record RegisterState(JsonNode? Value, long? Lamport, string? Actor, long? Seq, Dictionary<string, long>? Context);

    private sealed record State(
        Dictionary<string, long> Clock,
        long MaxLamport,
        RegisterState Title,
        RegisterState Description,
        RegisterState Category,
        RegisterState Featured,
        Dictionary<string, List<KeyValuePair<string, long>>> Tags,
        Dictionary<string, Dictionary<string, long>> TagRemovals,
        Dictionary<string, long> SetTagsRemovals);

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Serialize(VideoDocument document)
    {
        RegisterState Reg<T>(Register<T> r, Func<T, JsonNode?> value) =>
            new(value(r.Value), r.Stamp?.Lamport, r.Stamp?.Actor, r.Dot?.Seq, r.Context is null ? null : ToDictionary(r.Context));
        var state = new State(
            ToDictionary(document.Clock),
            document.MaxLamport,
            Reg(document.Title, v => v is null ? null : JsonValue.Create(v)),
            Reg(document.Description, v => v is null ? null : JsonValue.Create(v)),
            Reg(document.Category, v => v is null ? null : JsonValue.Create(v)),
            Reg(document.Featured, v => JsonValue.Create(v)),
            document.LiveTagDots.ToDictionary(t => t.Key, t => t.Value.Select(d => KeyValuePair.Create(d.Actor, d.Seq)).ToList()),
            document.TagRemovals.ToDictionary(t => t.Key, t => ToDictionary(t.Value)),
            ToDictionary(document.SetTagsRemovals));
        return JsonSerializer.Serialize(state, Options);
    }

    public static VideoDocument Deserialize(string json)
    {
        if (string.IsNullOrWhiteSpace(json) || json.Trim() == "{}")
        {
            return VideoDocument.Empty;
        }
        var state = JsonSerializer.Deserialize<State>(json, Options)!;
        Register<T> Reg<T>(RegisterState r, Func<JsonNode?, T> value) => new(
            value(r.Value),
            r.Lamport is { } lamport ? new Stamp(lamport, r.Actor!) : null,
            r.Seq is { } seq ? new Dot(r.Actor!, seq) : null,
            r.Context is null ? null : VectorClock.From(r.Context));
        var empty = VideoDocument.Empty;
        return empty with
        {
            Clock = VectorClock.From(state.Clock),
            MaxLamport = state.MaxLamport,
            Title = Reg(state.Title, v => v?.GetValue<string>()),
            Description = Reg(state.Description, v => v?.GetValue<string>()),
            Category = Reg(state.Category, v => v?.GetValue<string>()),
            Featured = Reg(state.Featured, v => v?.GetValue<bool>() ?? false),
            LiveTagDots = state.Tags.Aggregate(empty.LiveTagDots, (all, tag) =>
                all.SetItem(tag.Key, tag.Value.Select(d => new Dot(d.Key, d.Value)).ToImmutableSortedSet(DotComparer.Instance))),
            TagRemovals = state.TagRemovals.Aggregate(empty.TagRemovals, (all, tag) => all.SetItem(tag.Key, VectorClock.From(tag.Value))),
            SetTagsRemovals = VectorClock.From(state.SetTagsRemovals),
        };
    }

    public static Dictionary<string, long> ToDictionary(VectorClock clock) => new(clock.Entries, StringComparer.Ordinal);

    public static string SerializeClock(VectorClock clock) => JsonSerializer.Serialize(ToDictionary(clock), Options);

    public static VectorClock DeserializeClock(string? json) =>
        string.IsNullOrWhiteSpace(json) ? VectorClock.Empty : VectorClock.From(JsonSerializer.Deserialize<Dictionary<string, long>>(json, Options));

    /// <summary>An op's value as JSON: a string or null, a boolean, or an array of tags.</summary>
    public static string SerializeValue(Operation op) => op.Type switch
    {
        OpType.UpdateFeatured => op.Value.Flag ? "true" : "false",
        OpType.SetTags => JsonSerializer.Serialize(op.Value.Tags, Options),
        _ => JsonSerializer.Serialize(op.Value.Text, Options),
    };

    public static OpValue DeserializeValue(OpType type, string json)
    {
        using var document = JsonDocument.Parse(json);
        var value = document.RootElement;
        return type switch
        {
            OpType.UpdateFeatured => OpValue.OfFlag(value.GetBoolean()),
            OpType.SetTags => OpValue.OfTags(value.EnumerateArray().Select(e => e.GetString()!)),
            _ => OpValue.OfText(value.ValueKind == JsonValueKind.Null ? null : value.GetString()),
        };
    }
}
