namespace Phyght.Worker.Processing;

/// <summary><c>Processing</c>: how the worker claims and retries jobs.</summary>
public sealed class ProcessingOptions
{
    public const string Section = "Processing";

    /// <summary>How long a claimed job is this worker's; past it another worker may take the job again.</summary>
    public int LeaseSeconds { get; set; } = 120;
    public int MaxAttempts { get; set; } = 5;
    public int PollMilliseconds { get; set; } = 500;
    /// <summary>How long ffprobe or ffmpeg may run on one file before it is killed and the video fails.</summary>
    public int MediaToolSeconds { get; set; } = 120;
    /// <summary>The address space ffprobe or ffmpeg may use on one file.</summary>
    public long MediaToolMemoryBytes { get; set; } = 3L << 30;
    public string FfprobeCommand { get; set; } = "ffprobe";
    public string FfmpegCommand { get; set; } = "ffmpeg";
    /// <summary>Names this worker in <c>leased_by</c> and logs.</summary>
    public string WorkerId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";
}
