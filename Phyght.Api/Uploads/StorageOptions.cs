namespace Phyght.Api.Uploads;

/// <summary><c>Storage</c>: upload size limits (the seed's 50 MB video and 5 MB thumbnail through the API, 10 GiB
/// direct to storage) and media links.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    public long MaxVideoBytes { get; set; } = 52_428_800;
    public long MaxThumbnailBytes { get; set; } = 5_242_880;

    /// <summary>The largest file a direct upload session accepts (api.md: 10 GiB).</summary>
    public long MaxDirectUploadBytes { get; set; } = 10L << 30;

    /// <summary>How long a signed blob URL of a video only staff may read stays valid.</summary>
    public int MediaUrlMinutes { get; set; } = 10;
}
