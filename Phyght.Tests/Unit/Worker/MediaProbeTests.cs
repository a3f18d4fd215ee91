extern alias PhyghtWorker;

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Phyght.Tests.Infrastructure;
using PhyghtWorker::Phyght.Worker.Processing;

namespace Phyght.Tests.Unit.Worker;

/// <summary>The worker's ffprobe and ffmpeg on hostile files (real ffmpeg, no server): each reads the one file it is given.</summary>
public sealed class MediaProbeTests
{
    private static MediaProbe Probe() => new(Options.Create(new ProcessingOptions()), NullLogger<MediaProbe>.Instance);

    [Theory]
    [MemberData(nameof(MediaFixtures.VideoFormats), MemberType = typeof(MediaFixtures))]
    public async Task Every_accepted_format_is_read(string format)
    {
        var result = await Probe().ProbeAsync(await MediaFixtures.VideoAsync(format), CancellationToken.None);
        Assert.InRange(result.DurationSeconds, 2.5, 3.5);
    }

    [Fact]
    public async Task A_playlist_that_points_at_other_files_is_not_followed()
    {
        // An HLS playlist whose one segment is a real clip elsewhere on the disk (it could as well name a secret).
        var clip = await MediaFixtures.VideoAsync("mp4");
        var playlist = Path.Combine(Path.GetTempPath(), $"phyght-playlist-{Guid.NewGuid():N}.mp4");
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
        var fifo = Path.Combine(Path.GetTempPath(), $"phyght-fifo-{Guid.NewGuid():N}.mp4");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync();
        }
        try
        {
            var probe = new MediaProbe(Options.Create(new ProcessingOptions { MediaToolSeconds = 1 }), NullLogger<MediaProbe>.Instance);
            var refused = await Assert.ThrowsAsync<UnreadableMediaException>(() => probe.ProbeAsync(fifo, CancellationToken.None));
            Assert.Contains("did not finish within 1 s", refused.Message);
        }
        finally
        {
            File.Delete(fifo);
        }
    }
}
