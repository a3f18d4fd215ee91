namespace Phyght.Api.Uploads;

/// <summary><c>Storage</c>: upload size limits (the seed's 50 MB video and 5 MB thumbnail).</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    public long MaxVideoBytes { get; set; } = 52_428_800;
    public long MaxThumbnailBytes { get; set; } = 5_242_880;
}
