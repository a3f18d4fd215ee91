using System.Text.Json;
using System.Text.RegularExpressions;

namespace Phyght.Core.Crdt;

/// <summary>The limits of <c>crdt.md</c> and the normalization of tags.</summary>
public static partial class OperationRules
{
    public const int MaxTitle = 200;
    public const int MaxDescription = 5000;
    public const int MaxCategory = 100;
    public const int MaxTag = 50;
    public const int MaxTags = 50;
    /// <summary>A tag before trimming: generous for whitespace, bounded so trimming costs little.</summary>
    private const int MaxRawTag = 1_000;
    /// <summary>JavaScript's largest safe integer: the greatest lamport or seq a client may send (crdt.md rule 5).</summary>
    public const long MaxSafeInteger = (1L << 53) - 1;
    /// <summary>Entries of a vector clock or context a client may send.</summary>
    public const int MaxClockEntries = 10_000;

    /// <summary>What an actor id may be: 1–64 letters, digits, '_' or '-'.</summary>
    public const string ActorPatternText = "^[A-Za-z0-9_-]{1,64}$";

    [GeneratedRegex(ActorPatternText)]
    private static partial Regex ActorPattern();

    public static bool IsValidActor(string? actor) => actor is not null && ActorPattern().IsMatch(actor);

    /// <summary>Trimmed and lower-cased: <c>" MMA "</c> and <c>"mma"</c> are one tag.</summary>
    public static string NormalizeTag(string tag) => tag.Trim().ToLowerInvariant();

    /// <summary>Normalized, de-duplicated, in first-seen order; null with an error when a tag or the count is invalid.
    /// The count is checked first, so a huge array costs nothing.</summary>
    public static IReadOnlyList<string>? NormalizeTags(IReadOnlyList<string?> tags, out string? error)
    {
        if (tags.Count > MaxTags)
        {
            error = $"at most {MaxTags} tags";
            return null;
        }
        var result = new List<string>(tags.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in tags)
        {
            if (raw is { Length: > MaxRawTag })
            {
                error = $"each tag must be 1–{MaxTag} characters after trimming";
                return null;
            }
            var tag = raw is null ? "" : NormalizeTag(raw);
            if (tag.Length is 0 or > MaxTag)
            {
                error = $"each tag must be 1–{MaxTag} characters after trimming";
                return null;
            }
            if (TextRules.HasControlCharacters(tag))
            {
                error = "tags must not contain control characters";
                return null;
            }
            if (seen.Add(tag))
            {
                result.Add(tag);
            }
        }
        error = null;
        return result;
    }

    /// <summary>Validates and normalizes one op; <paramref name="error"/> says what is wrong otherwise.</summary>
    public static Operation? Validate(OperationInput input, out string? error)
    {
        error = null;
        if (!IsValidActor(input.Actor))
        {
            error = "actor must be 1–64 characters of [A-Za-z0-9_-]";
            return null;
        }
        if (input.Seq is not (> 0 and <= MaxSafeInteger))
        {
            error = $"seq must be an integer from 1 to {MaxSafeInteger}";
            return null;
        }
        if (input.Lamport is not (> 0 and <= MaxSafeInteger))
        {
            error = $"lamport must be an integer from 1 to {MaxSafeInteger}";
            return null;
        }
        if (!OpTypeNames.TryParse(input.Type, out var type))
        {
            error = $"type must be one of {string.Join(", ", OpTypeNames.All)}";
            return null;
        }
        if (input.Context is { } ctx && (ctx.Count > MaxClockEntries || ctx.Any(e => !IsValidActor(e.Key) || e.Value is < 0 or > MaxSafeInteger)))
        {
            error = $"context must map at most {MaxClockEntries} actors to seqs from 0 to {MaxSafeInteger}";
            return null;
        }
        if (input.Context is { } own && own.TryGetValue(input.Actor!, out var ownSeq) && ownSeq >= input.Seq)
        {
            error = $"context[{input.Actor}] must be at most seq − 1 ({input.Seq - 1}): an op cannot have seen itself";
            return null;
        }
        if (type is OpType.RemoveTag or OpType.SetTags && input.Context is null)
        {
            error = $"{input.Type} requires a context";
            return null;
        }
        var context = input.Context is null ? null : VectorClock.From(input.Context);
        var value = ParseValue(type, input.Value, out error);
        return value is null ? null : new Operation(input.Actor!, input.Seq.Value, input.Lamport.Value, type, value, context);
    }

    private static OpValue? ParseValue(OpType type, JsonElement value, out string? error)
    {
        error = null;
        switch (type)
        {
            case OpType.UpdateTitle:
                if (value.ValueKind != JsonValueKind.String || value.GetString()!.Trim().Length == 0 || value.GetString()!.Length > MaxTitle)
                {
                    error = $"update_title needs a non-empty string of at most {MaxTitle} characters";
                    return null;
                }
                if (TextRules.HasControlCharacters(value.GetString()))
                {
                    error = "update_title must not contain control characters";
                    return null;
                }
                return OpValue.OfText(value.GetString()!.Trim());
            case OpType.UpdateDescription:
            case OpType.UpdateCategory:
                var max = type == OpType.UpdateDescription ? MaxDescription : MaxCategory;
                if (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
                {
                    return OpValue.OfText(null);
                }
                if (value.ValueKind != JsonValueKind.String || value.GetString()!.Length > max)
                {
                    error = $"{type.ToName()} needs a string of at most {max} characters, or null";
                    return null;
                }
                if (TextRules.HasControlCharacters(value.GetString()))
                {
                    error = $"{type.ToName()} must not contain control characters";
                    return null;
                }
                return OpValue.OfText(value.GetString());
            case OpType.UpdateFeatured:
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    error = "update_featured needs a boolean";
                    return null;
                }
                return OpValue.OfFlag(value.GetBoolean());
            case OpType.AddTag:
            case OpType.RemoveTag:
                if (value.ValueKind != JsonValueKind.String)
                {
                    error = $"{type.ToName()} needs a tag string";
                    return null;
                }
                var tag = NormalizeTags([value.GetString()], out error);
                return tag is null ? null : OpValue.OfText(tag[0]);
            case OpType.SetTags:
                if (value.ValueKind != JsonValueKind.Array)
                {
                    error = "set_tags needs an array of tag strings";
                    return null;
                }
                if (value.GetArrayLength() > MaxTags)
                {
                    error = $"set_tags takes at most {MaxTags} tags";
                    return null;
                }
                if (value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
                {
                    error = "set_tags needs an array of tag strings";
                    return null;
                }
                var tags = NormalizeTags([.. value.EnumerateArray().Select(e => e.GetString())], out error);
                return tags is null ? null : OpValue.OfTags(tags);
            default:
                error = "unknown type";
                return null;
        }
    }
}
