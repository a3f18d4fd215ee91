namespace Phyght.Core;

/// <summary>The lower-case names the API and PostgreSQL give single-word enums (<c>ready</c>, <c>moderator</c>).</summary>
public static class EnumNames
{
    public static string ToLowerName<T>(this T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    public static bool TryParse<T>(string? name, out T value) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(candidate.ToLowerName(), name, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }
}
