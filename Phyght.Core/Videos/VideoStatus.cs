namespace Phyght.Core.Videos;

/// <summary>PostgreSQL enum <c>video_status</c>.</summary>
public enum VideoStatus
{
    Uploading,
    Processing,
    Ready,
    Failed,
}

public static class VideoStatusNames
{
    public static string ToName(this VideoStatus status) => status.ToString().ToLowerInvariant();

    public static bool TryParse(string? name, out VideoStatus status)
    {
        foreach (var value in Enum.GetValues<VideoStatus>())
        {
            if (string.Equals(value.ToName(), name, StringComparison.Ordinal))
            {
                status = value;
                return true;
            }
        }
        status = default;
        return false;
    }
}
