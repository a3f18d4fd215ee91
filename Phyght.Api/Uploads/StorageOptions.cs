namespace Phyght.Api.Uploads;

/// <summary><c>Storage</c>: upload size limits (the seed's 50 MB video and 5 MB thumbnail) and media links.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    public long MaxVideoBytes { get; set; } = 52_428_800;
    public long MaxThumbnailBytes { get; set; } = 5_242_880;

    /// <summary>How long a signed blob URL of a video only staff may read stays valid.</summary>
    public int MediaUrlMinutes { get; set; } = 10;
}
