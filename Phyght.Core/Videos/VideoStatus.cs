namespace Phyght.Core.Videos;

/// <summary>PostgreSQL enum <c>video_status</c>.</summary>
public enum VideoStatus
{
    Uploading,
    Processing,
    Ready,
    Failed,
}
