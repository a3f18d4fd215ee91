using System.Text.Json;
using Phyght.Core.Crdt;

namespace Phyght.Api.Videos;

/// <summary>Metadata fields of a create or update body, validated; absent fields are null here (and
/// <see cref="HasDescription"/>/<see cref="HasCategory"/> tell an explicit null from an absent field).</summary>
public sealed partial class VideoFields
{
    /// <summary>The body's field names, as <see cref="Parse"/> reads them and <see cref="BodySchema"/> documents them.</summary>
    public static class Field
    {
        public const string Title = "title";
        public const string Description = "description";
        public const string Category = "category";
        public const string Tags = "tags";
        public const string IsFeatured = "is_featured";
        public const string VectorClock = "vector_clock";
    }

    public string? Title { get; private set; }
    public bool HasDescription { get; private set; }
    public string? Description { get; private set; }
    public bool HasCategory { get; private set; }
    public string? Category { get; private set; }
    public IReadOnlyList<string>? Tags { get; private set; }
    public bool? IsFeatured { get; private set; }
    public VectorClock? VectorClock { get; private set; }

    /// <summary>The ops these fields become, in a fixed order.</summary>
    public IEnumerable<(OpType Type, OpValue Value)> Changes()
    {
        if (Title is not null) yield return (OpType.UpdateTitle, OpValue.OfText(Title));
        if (HasDescription) yield return (OpType.UpdateDescription, OpValue.OfText(Description));
        if (HasCategory) yield return (OpType.UpdateCategory, OpValue.OfText(Category));
        if (Tags is not null) yield return (OpType.SetTags, OpValue.OfTags(Tags));
        if (IsFeatured is { } featured) yield return (OpType.UpdateFeatured, OpValue.OfFlag(featured));
    }

    /// <summary>Reads and validates a JSON object body; errors are per field.</summary>
    public static VideoFields Parse(JsonElement body, bool titleRequired, out Dictionary<string, string[]> errors)
    {
        errors = [];
        var fields = new VideoFields();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors["body"] = ["Expected a JSON object."];
            return fields;
        }
        if (body.TryGetProperty(Field.Title, out var title))
        {
            if (title.ValueKind != JsonValueKind.String || title.GetString()!.Trim().Length == 0 || title.GetString()!.Trim().Length > OperationRules.MaxTitle)
            {
                errors[Field.Title] = [$"A non-empty string of at most {OperationRules.MaxTitle} characters."];
            }
            else if (TextRules.HasControlCharacters(title.GetString()))
            {
                errors[Field.Title] = [TextRules.ControlCharacterMessage];
            }
            else
            {
                fields.Title = title.GetString()!.Trim();
            }
        }
        else if (titleRequired)
        {
            errors[Field.Title] = ["Required."];
        }
        fields.HasDescription = ReadNullableText(body, Field.Description, OperationRules.MaxDescription, errors, out var description);
        fields.Description = description;
        fields.HasCategory = ReadNullableText(body, Field.Category, OperationRules.MaxCategory, errors, out var category);
        fields.Category = category;
        if (body.TryGetProperty(Field.Tags, out var tags))
        {
            if (tags.ValueKind == JsonValueKind.Array && tags.GetArrayLength() > OperationRules.MaxTags)
            {
                errors[Field.Tags] = [$"At most {OperationRules.MaxTags} tags."];
            }
            else if (tags.ValueKind != JsonValueKind.Array || tags.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String))
            {
                errors[Field.Tags] = ["An array of strings."];
            }
            else
            {
                fields.Tags = OperationRules.NormalizeTags([.. tags.EnumerateArray().Select(t => t.GetString())], out var tagError);
                if (tagError is not null)
                {
                    errors[Field.Tags] = [char.ToUpperInvariant(tagError[0]) + tagError[1..] + "."];
                }
            }
        }
        if (body.TryGetProperty(Field.IsFeatured, out var featured))
        {
            if (featured.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                fields.IsFeatured = featured.GetBoolean();
            }
            else
            {
                errors[Field.IsFeatured] = ["A boolean."];
            }
        }
        if (body.TryGetProperty(Field.VectorClock, out var clock) && clock.ValueKind != JsonValueKind.Null)
        {
            fields.VectorClock = ReadClock(clock);
            if (fields.VectorClock is null)
            {
                errors[Field.VectorClock] = ["An object mapping actors to integers from 0 to 2^53 − 1."];
            }
        }
        return fields;
    }

    /// <summary>A client's vector clock: at most <see cref="OperationRules.MaxClockEntries"/> valid actors with seqs
    /// from 0 to 2^53 − 1; null otherwise.</summary>
    public static VectorClock? ReadClock(JsonElement clock)
    {
        if (clock.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var entries = new Dictionary<string, long>();
        foreach (var entry in clock.EnumerateObject())
        {
            if (entries.Count >= OperationRules.MaxClockEntries || !OperationRules.IsValidActor(entry.Name)
                || entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt64(out var seq) || seq is < 0 or > OperationRules.MaxSafeInteger)
            {
                return null;
            }
            entries[entry.Name] = seq;
        }
        return Phyght.Core.Crdt.VectorClock.From(entries);
    }

    private static bool ReadNullableText(JsonElement body, string name, int max, Dictionary<string, string[]> errors, out string? value)
    {
        value = null;
        if (!body.TryGetProperty(name, out var element))
        {
            return false;
        }
        if (element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }
        if (element.ValueKind != JsonValueKind.String || element.GetString()!.Length > max)
        {
            errors[name] = [$"A string of at most {max} characters, or null."];
            return false;
        }
        if (TextRules.HasControlCharacters(element.GetString()))
        {
            errors[name] = [TextRules.ControlCharacterMessage];
            return false;
        }
        value = element.GetString();
        return true;
    }
}
