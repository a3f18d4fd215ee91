namespace Phyght.Core.Videos;

/// <summary>The seed's blob layout: containers <c>videos</c> and <c>thumbnails</c>, names <c>{video-id}/{unix-ms}.{ext}</c>
/// and <c>{video-id}/{unix-ms}_thumb.{ext}</c>. Stored paths carry the container: <c>videos/{id}/{ts}.mp4</c>.</summary>
public static class BlobPath
{
    public const string VideosContainer = "videos";
    public const string ThumbnailsContainer = "thumbnails";

    public static string VideoName(Guid videoId, long unixMs, string extension) => $"{videoId}/{unixMs}.{extension}";

    public static string ThumbnailName(Guid videoId, long unixMs, string extension) => $"{videoId}/{unixMs}_thumb.{extension}";

    public static string Stored(string container, string name) => $"{container}/{name}";

    public static bool TryParse(string? path, out string container, out string name)
    {
        var slash = path?.IndexOf('/') ?? -1;
        container = slash > 0 ? path![..slash] : "";
        name = slash > 0 ? path![(slash + 1)..] : "";
        return slash > 0 && name.Length > 0;
    }

    /// <summary>Reads a blob name of this layout: the video it belongs to and when it was written.</summary>
    public static bool TryParseName(string name, out Guid videoId, out DateTimeOffset writtenAt)
    {
        videoId = Guid.Empty;
        writtenAt = default;
        var slash = name.IndexOf('/');
        var stamp = slash > 0 ? name[(slash + 1)..].Split('.', '_')[0] : "";
        if (slash <= 0 || !Guid.TryParse(name[..slash], out videoId) || !long.TryParse(stamp, out var unixMs) || unixMs < 0)
        {
            return false;
        }
        writtenAt = DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(unixMs, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()));
        return true;
    }
}
