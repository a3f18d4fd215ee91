namespace Phyght.Core.Videos;

/// <summary>A file type decided by its first bytes, never by its name or declared content type.</summary>
public sealed record MediaType(string MimeType, string Extension)
{
    /// <summary>How many leading bytes <see cref="DetectVideo"/> and <see cref="DetectImage"/> need.</summary>
    public const int SniffLength = 12;

    public static MediaType? DetectVideo(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8))
        {
            return head[8..12].SequenceEqual("qt  "u8) ? new("video/quicktime", "mov") : new("video/mp4", "mp4");
        }
        if (head.Length >= 4 && head[..4].SequenceEqual(stackalloc byte[] { 0x1A, 0x45, 0xDF, 0xA3 }))
        {
            return new("video/webm", "webm");
        }
        if (head.Length >= 4 && head[..4].SequenceEqual("OggS"u8))
        {
            return new("video/ogg", "ogv");
        }
        if (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("AVI "u8))
        {
            return new("video/x-msvideo", "avi");
        }
        return null;
    }

    public static MediaType? DetectImage(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
        {
            return new("image/jpeg", "jpg");
        }
        if (head.Length >= 8 && head[..8].SequenceEqual(stackalloc byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }))
        {
            return new("image/png", "png");
        }
        if (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            return new("image/webp", "webp");
        }
        return null;
    }
}
