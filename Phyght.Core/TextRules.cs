namespace Phyght.Core;

/// <summary>Text every field and query parameter must satisfy (api.md "Limits"): no U+0000 or other control
/// characters except tab, newline and carriage return. PostgreSQL cannot store U+0000 at all.</summary>
public static class TextRules
{
    public const string ControlCharacterMessage = "Must not contain control characters (U+0000–U+001F except tab and newline, U+007F–U+009F).";

    public static bool HasControlCharacters(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c) && c is not ('\t' or '\n' or '\r'))
            {
                return true;
            }
        }
        return false;
    }

    public static bool HasControlCharacters(string? text) => text is not null && HasControlCharacters(text.AsSpan());

    /// <summary>Whether any string or property name in the JSON value has control characters (PostgreSQL's jsonb
    /// refuses an escaped U+0000). The caller bounds the value's size first.</summary>
    public static bool HasControlCharacters(System.Text.Json.JsonElement value) => value.ValueKind switch
    {
        System.Text.Json.JsonValueKind.String => HasControlCharacters(value.GetString()),
        System.Text.Json.JsonValueKind.Array => value.EnumerateArray().Any(HasControlCharacters),
        System.Text.Json.JsonValueKind.Object => value.EnumerateObject().Any(p => HasControlCharacters(p.Name) || HasControlCharacters(p.Value)),
        _ => false,
    };

    /// <summary>Whether every string and property name in the JSON value is text a string can hold: a lone surrogate
    /// escape such as <c>"\ud800"</c> is not (reading it throws, and PostgreSQL's jsonb refuses it).</summary>
    public static bool IsValidUnicode(System.Text.Json.JsonElement value)
    {
        try
        {
            return value.ValueKind switch
            {
                System.Text.Json.JsonValueKind.String => value.GetString() is not null,
                System.Text.Json.JsonValueKind.Array => value.EnumerateArray().All(IsValidUnicode),
                System.Text.Json.JsonValueKind.Object => value.EnumerateObject().All(p => p.Name is not null && IsValidUnicode(p.Value)),
                _ => true,
            };
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
