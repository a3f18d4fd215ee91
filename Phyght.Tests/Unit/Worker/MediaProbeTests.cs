extern alias PhyghtWorker;

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Phyght.Tests.Infrastructure;
using PhyghtWorker::Phyght.Worker.Processing;

namespace Phyght.Tests.Unit.Worker;

/// <summary>The worker's ffprobe and ffmpeg on hostile files (real ffmpeg, no server): each reads the one file it is given.</summary>
public sealed class MediaProbeTests
{
    private static MediaProbe Probe(ProcessingOptions? options = null) => new(Options.Create(options ?? new ProcessingOptions()), NullLogger<MediaProbe>.Instance);

    /// <summary>A copy of the file in a job's work folder, where the tools (as <c>nobody</c> under root) may read it.</summary>
    private static string Staged(string file)
    {
        var copy = Path.Combine(MediaProbe.CreateWorkFolder().FullName, Path.GetFileName(file));
        File.Copy(file, copy);
        return copy;
    }

    [Theory]
    [MemberData(nameof(MediaFixtures.VideoFormats), MemberType = typeof(MediaFixtures))]
    public async Task Every_accepted_format_is_read(string format)
    {
        var result = await Probe().ProbeAsync(Staged(await MediaFixtures.VideoAsync(format)), CancellationToken.None);
        Assert.InRange(result.DurationSeconds, 2.5, 3.5);
    }

    [Fact]
    public async Task A_playlist_that_points_at_other_files_is_not_followed()
    {
        // An HLS playlist whose one segment is a real clip elsewhere on the disk (it could as well name a secret).
        var clip = Staged(await MediaFixtures.VideoAsync("mp4"));
        var playlist = Path.Combine(Path.GetDirectoryName(clip)!, "playlist.mp4");
        await File.WriteAllTextAsync(playlist, $"#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:3.0,\nfile://{clip}\n#EXT-X-ENDLIST\n");
        try
        {
            await Assert.ThrowsAsync<UnreadableMediaException>(() => Probe().ProbeAsync(playlist, CancellationToken.None));
        }
        finally
        {
            File.Delete(playlist);
        }
    }

    [Fact]
    public async Task A_tool_past_its_time_limit_is_killed_and_the_file_counts_as_unreadable()
    {
        // A FIFO nobody writes to: ffprobe blocks opening it until it is killed.
        var fifo = Path.Combine(MediaProbe.CreateWorkFolder().FullName, "hangs.mp4");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync();
        }
        try
        {
            var refused = await Assert.ThrowsAsync<UnreadableMediaException>(() =>
                Probe(new ProcessingOptions { MediaToolSeconds = 1 }).ProbeAsync(fifo, CancellationToken.None));
            Assert.Contains("did not finish within 1 s", refused.Message);
        }
        finally
        {
            File.Delete(fifo);
        }
    }

    [Fact]
    public async Task The_tools_see_no_environment_but_PATH_and_run_as_nobody_under_root()
    {
        // A stand-in for ffprobe that writes down who it runs as and what environment it got, in a process whose
        // environment holds a connection string.
        var folder = MediaProbe.CreateWorkFolder().FullName;
        var seen = Path.Combine(Path.GetTempPath(), $"phyght-seen-{Guid.NewGuid():N}"); // /tmp: writable by nobody
        var fake = Path.Combine(folder, "ffprobe");
        await File.WriteAllTextAsync(fake, $"#!/bin/sh\n{{ id -un; env; }} > {seen}\nexit 1\n");
        File.SetUnixFileMode(fake, (UnixFileMode)0b111_101_101);
        Environment.SetEnvironmentVariable("ConnectionStrings__phyght_probe_test", "Host=db;Password=secret");
        try
        {
            await Assert.ThrowsAsync<UnreadableMediaException>(() =>
                Probe(new ProcessingOptions { FfprobeCommand = fake }).ProbeAsync(fake, CancellationToken.None));
        }
        finally
        {
            Environment.SetEnvironmentVariable("ConnectionStrings__phyght_probe_test", null);
        }
        var lines = await File.ReadAllLinesAsync(seen);
        Assert.Equal(Environment.UserName == "root" ? "nobody" : Environment.UserName, lines[0]);
        Assert.Equal(["PATH", "PWD"], lines[1..].Select(l => l.Split('=')[0]).Where(n => n is not ("SHLVL" or "_")).Order());
    }

    [Fact]
    public async Task A_thumbnail_comes_back_as_jpeg_bytes_and_the_work_folder_is_not_writable_by_the_tools()
    {
        var clip = Staged(await MediaFixtures.VideoAsync("mp4"));
        var jpeg = await Probe().ThumbnailAsync(clip, 3, CancellationToken.None);
        Assert.Equal([0xFF, 0xD8], jpeg[..2]);
        // Others may enter the folder to open a file they know, nothing more: no file of the tools' can land in it.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute,
            File.GetUnixFileMode(Path.GetDirectoryName(clip)!));
    }
}
