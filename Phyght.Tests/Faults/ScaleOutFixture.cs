using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Faults;

/// <summary>
/// Three API instances (api, api-b, api-c) and two workers on one database, one Redis and one blob store: the
/// deployment shape the published manifest describes, on this machine. Leases are short and ffmpeg is slowed by a
/// wrapper, so a test can kill a worker while it is inside ffmpeg and see another take the job over within seconds.
/// </summary>
public sealed class ScaleOutFixture : IAsyncLifetime
{
    public static readonly string[] ApiInstances = ["api", "api-b", "api-c"];

    /// <summary>How long the slowed ffmpeg sleeps before it starts: the window a test kills its worker in.</summary>
    public const int FfmpegDelaySeconds = 4;

    public PhyghtStack Stack { get; private set; } = null!;

    /// <summary>Signed in once, at start: after a database restart each API instance's stale pooled connections fail a
    /// request each (503, retry), and a test's first call should not be one of them.</summary>
    public ApiUser Admin { get; private set; } = null!;

    /// <summary>The wrapper every worker runs in place of ffmpeg; its process is the worker's child while it runs.</summary>
    public string SlowFfmpeg { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var data = PhyghtStack.NewDataFolder();
        var tools = Directory.CreateDirectory(Path.Combine(data, "tools")).FullName;
        SlowFfmpeg = Path.Combine(tools, "slow-ffmpeg");
        await File.WriteAllTextAsync(SlowFfmpeg, $"#!/bin/sh\nsleep {FfmpegDelaySeconds}\nexec ffmpeg \"$@\"\n");
        File.SetUnixFileMode(SlowFfmpeg, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(tools, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(data, (UnixFileMode)0b111_101_101);
        Stack = await PhyghtStack.StartAsync(
            dataPath: data,
            extraArgs:
            [
                "--Phyght:ExtraApiInstances=2",
                "--Phyght:WorkerReplicas=2",
                "--Processing:LeaseSeconds=6",
                $"--Processing:FfmpegCommand={SlowFfmpeg}",
            ],
            waitHealthy: [.. PhyghtStack.AllResources, "api-b", "api-c"]);
        Admin = await Accounts.AdminAsync(Stack);
    }

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}
