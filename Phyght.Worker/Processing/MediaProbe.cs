using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Phyght.Worker.Processing;

/// <summary>What ffprobe reads from a video file.</summary>
public sealed record ProbeResult(double DurationSeconds, string Codec, int Width, int Height, long? BitRate, string Format);

/// <summary>The file is not a readable video: a permanent failure, not retried.</summary>
public sealed class UnreadableMediaException(string reason) : Exception(reason);

/// <summary>
/// ffprobe and ffmpeg, run on files anyone with an upload role sends, so with as little reach as they can have: no
/// environment (the worker's holds its database and storage credentials), no standard input, only local files
/// (<c>-protocol_whitelist file</c>) and only the demuxers of the accepted formats (<c>-format_whitelist</c>: no playlist
/// or concat demuxer that would open other files), under CPU-time and memory limits (<c>prlimit</c>), as the
/// unprivileged user <c>nobody</c> when the worker runs as root (<c>setpriv</c>), and killed with their children past
/// <see cref="ProcessingOptions.MediaToolSeconds"/> or when the job is cancelled.
/// </summary>
public sealed class MediaProbe(Microsoft.Extensions.Options.IOptions<ProcessingOptions> options, ILogger<MediaProbe> logger)
{
    /// <summary>The demuxers of the upload formats (MediaType): mp4/mov, webm/mkv, ogg, avi.</summary>
    internal const string Demuxers = "mov,matroska,webm,ogg,avi";

    private static readonly string[] Confined = ["-protocol_whitelist", "file", "-format_whitelist", Demuxers];
    private static readonly bool IsRoot = Environment.UserName == "root";

    /// <summary>A folder for one job's files that the tools (as <c>nobody</c>) can read a file from when they know its
    /// (random) name, but neither list nor write: what they make comes back on their standard output.</summary>
    public static DirectoryInfo CreateWorkFolder()
    {
        var folder = Directory.CreateTempSubdirectory("phyght-job-");
        if (!OperatingSystem.IsWindows())
        {
            folder.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        }
        return folder;
    }

    public async Task<ProbeResult> ProbeAsync(string file, CancellationToken ct)
    {
        var (exit, output, stderr) = await RunAsync(options.Value.FfprobeCommand, ["-v", "error", .. Confined, "-print_format", "json", "-show_format", "-show_streams", file], ct);
        if (exit != 0)
        {
            throw new UnreadableMediaException($"ffprobe could not read the file: {FirstLine(stderr)}");
        }
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        var video = root.TryGetProperty("streams", out var streams)
            ? streams.EnumerateArray().FirstOrDefault(s => s.TryGetProperty("codec_type", out var t) && t.GetString() == "video")
            : default;
        if (video.ValueKind != JsonValueKind.Object)
        {
            throw new UnreadableMediaException("The file has no video stream.");
        }
        var format = root.GetProperty("format");
        var duration = Number(format, "duration") ?? Number(video, "duration");
        if (duration is not > 0)
        {
            throw new UnreadableMediaException("The file's duration cannot be read.");
        }
        return new ProbeResult(
            duration.Value,
            video.TryGetProperty("codec_name", out var codec) ? codec.GetString() ?? "unknown" : "unknown",
            video.TryGetProperty("width", out var width) ? width.GetInt32() : 0,
            video.TryGetProperty("height", out var height) ? height.GetInt32() : 0,
            (long?)(Number(format, "bit_rate") ?? Number(video, "bit_rate")),
            format.TryGetProperty("format_name", out var name) ? name.GetString() ?? "" : "");
    }

    /// <summary>One JPEG frame from a second into the video (or its middle, for shorter clips), as bytes: ffmpeg writes
    /// it to its standard output, never to a file the worker would then read.</summary>
    public async Task<byte[]> ThumbnailAsync(string file, double durationSeconds, CancellationToken ct)
    {
        var at = Math.Min(1.0, durationSeconds / 2).ToString("0.###", CultureInfo.InvariantCulture);
        var (exit, jpeg, stderr) = await RunAsync(options.Value.FfmpegCommand,
            ["-nostdin", "-v", "error", .. Confined, "-ss", at, "-i", file, "-frames:v", "1", "-vf", "scale=640:-2", "-f", "image2pipe", "-c:v", "mjpeg", "pipe:1"], ct);
        if (exit != 0 || jpeg.Length < 3 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        {
            throw new UnreadableMediaException($"ffmpeg could not extract a thumbnail: {FirstLine(stderr)}");
        }
        return jpeg;
    }

    private async Task<(int Exit, byte[] Stdout, string Stderr)> RunAsync(string command, string[] args, CancellationToken ct)
    {
        if (!IsInstalled(command))
        {
            // Not the file's fault: the attempt fails and is retried once the tools are there.
            logger.LogError("{Command} is not installed: apt-get install -y ffmpeg", command);
            throw new FileNotFoundException($"{command} is not installed.", command);
        }
        var limits = options.Value;
        string[] boxed =
        [
            .. IsRoot ? (string[])["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"] : [],
            "prlimit", $"--cpu={limits.MediaToolSeconds}", $"--as={limits.MediaToolMemoryBytes}", "--", command, .. args,
        ];
        var psi = new ProcessStartInfo(boxed[0], boxed[1..])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment.Clear();
        psi.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(options.Value.MediaToolSeconds));
        var stdout = ReadAllAsync(process.StandardOutput.BaseStream, limit.Token);
        var stderr = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            await process.WaitForExitAsync(limit.Token);
            return (process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            ct.ThrowIfCancellationRequested();
            logger.LogWarning("{Command} ran past {Seconds} s and was killed (pid {Pid})", command, options.Value.MediaToolSeconds, process.Id);
            throw new UnreadableMediaException($"{command} did not finish within {options.Value.MediaToolSeconds} s.");
        }
    }

    /// <summary>A tool's standard output, at most 64 MB (a JSON report or one JPEG frame).</summary>
    private static async Task<byte[]> ReadAllAsync(Stream output, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await output.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > 64 << 20)
            {
                throw new UnreadableMediaException("The tool's output is larger than 64 MB.");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static bool IsInstalled(string command) => Path.IsPathRooted(command)
        ? File.Exists(command)
        : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Combine(folder, command)));

    private static double? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? number
            : null;

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "no output";
}
