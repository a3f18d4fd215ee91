namespace Phyght.Core.Videos;

/// <summary>
/// The file lifecycle: <c>uploading → processing → ready | failed</c>; an upload may replace the file from any status
/// (back to processing); an external processor may mark a video with a file ready again. Nothing else.
/// </summary>
public static class VideoLifecycle
{
    public static bool Allows(VideoStatus from, VideoStatus to, bool hasFile) => to switch
    {
        VideoStatus.Processing => true,
        VideoStatus.Ready => hasFile && from is VideoStatus.Processing or VideoStatus.Ready or VideoStatus.Failed,
        VideoStatus.Failed => from is VideoStatus.Processing,
        _ => false,
    };
}

/// <summary>A lifecycle change the video's state does not allow: a bug or a race the caller lost, never a silent write.</summary>
public sealed class InvalidVideoTransitionException(Guid videoId, VideoStatus from, string to, string why)
    : InvalidOperationException($"Video {videoId} cannot go from {from.ToLowerName()} to {to}: {why}.")
{
    public Guid VideoId { get; } = videoId;
}
