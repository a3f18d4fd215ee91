using System.Diagnostics;

namespace Phyght.Tests.Infrastructure;

/// <summary>Small test videos made with ffmpeg at test time (no committed binaries), one per format, cached per run.</summary>
public static class MediaFixtures
{
    private static readonly string Folder = Directory.CreateTempSubdirectory("phyght-media-").FullName;
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static readonly TheoryData<string> VideoFormats = ["mp4", "mov", "webm", "ogv", "avi"];

    /// <summary>A 3-second 320x240 clip with a test pattern in the given container.</summary>
    public static async Task<string> VideoAsync(string format, double seconds = 3)
    {
        var file = Path.Combine(Folder, $"clip-{seconds}.{format}");
        string[] codec = format switch
        {
            "webm" => ["-c:v", "libvpx", "-b:v", "200k"],
            "ogv" => ["-c:v", "libtheora", "-q:v", "5"],
            "avi" => ["-c:v", "mpeg4"],
            _ => ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
        };
        await MakeAsync(file, ["-f", "lavfi", "-i", $"testsrc=duration={seconds}:size=320x240:rate=15", .. codec]);
        return file;
    }

    /// <summary>A real video of about 280 MB that is quick to make: 8 seconds of uncompressed 1280x720 frames in AVI.</summary>
    public static async Task<string> LargeVideoAsync()
    {
        var file = Path.Combine(Folder, "card-720p-raw.avi");
        await MakeAsync(file, ["-f", "lavfi", "-i", "testsrc2=duration=8:size=1280x720:rate=25", "-c:v", "rawvideo", "-pix_fmt", "yuv420p"]);
        return file;
    }

    public static async Task<string> PngAsync()
    {
        var file = Path.Combine(Folder, "frame.png");
        await MakeAsync(file, ["-f", "lavfi", "-i", "testsrc=size=64x64", "-frames:v", "1"]);
        return file;
    }

    public static async Task<string> JpegAsync()
    {
        var file = Path.Combine(Folder, "frame.jpg");
        await MakeAsync(file, ["-f", "lavfi", "-i", "testsrc=size=64x64", "-frames:v", "1"]);
        return file;
    }

    private static async Task MakeAsync(string file, string[] args)
    {
        await Gate.WaitAsync();
        try
        {
            if (File.Exists(file))
            {
                return;
            }
            var psi = new ProcessStartInfo("ffmpeg", ["-v", "error", "-y", .. args, file]) { RedirectStandardError = true };
            using var process = Process.Start(psi)!;
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"ffmpeg could not make {file}: {error}");
        }
        finally
        {
            Gate.Release();
        }
    }
}

/// <summary>A stream of a given length that starts with a real file's head and continues with zeros, generated on the fly.</summary>
public sealed class SyntheticStream(byte[] head, long length) : Stream
{
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, length - _position);
        for (var i = 0; i < n; i++)
        {
            var at = _position + i;
            buffer[offset + i] = at < head.Length ? head[at] : (byte)0;
        }
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
