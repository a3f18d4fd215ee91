using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Phyght.Tests.Infrastructure;

/// <summary>
/// The whole AppHost started through <c>Aspire.Hosting.Testing</c> on its own data folder: real PostgreSQL, Redis,
/// Azurite, API and worker. Dispose stops every process it started.
/// </summary>
public sealed class PhyghtStack : IAsyncDisposable
{
    public static readonly string[] AllResources = ["postgres", "phyght", "redis", "storage", "blobs", "api", "worker"];
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    /// <summary>The external issuer every test stack trusts (shared-secret mode, shaped like Supabase Auth).</summary>
    public const string ExternalIssuer = "https://auth.external.test/auth/v1";
    public const string ExternalAudience = "authenticated";

    private PhyghtStack(DistributedApplication app, string dataPath, CapturedLogs logs, string externalIssuerKey)
    {
        ExternalIssuerKey = externalIssuerKey;
        App = app;
        DataPath = dataPath;
        Logs = logs;
    }

    /// <summary>What the AppHost logged, its resources' console output included.</summary>
    public CapturedLogs Logs { get; }

    public DistributedApplication App { get; }

    /// <summary>The shared secret of <see cref="ExternalIssuer"/>, made per stack.</summary>
    public string ExternalIssuerKey { get; }

    public string DataPath { get; }

    public static string NewDataFolder(string? under = null)
    {
        var path = Path.Combine(under ?? Path.GetTempPath(), $"phyght-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Builds and starts the stack; waits until <paramref name="waitHealthy"/> resources are healthy.</summary>
    public static async Task<PhyghtStack> StartAsync(
        string? dataPath = null,
        IEnumerable<string>? extraArgs = null,
        IEnumerable<string>? waitHealthy = null,
        bool dashboard = false,
        CancellationToken ct = default)
    {
        dataPath ??= NewDataFolder();
        var externalIssuerKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        string[] args =
        [
            $"--Phyght:DataPath={dataPath}",
            $"--Auth:External:Issuer={ExternalIssuer}",
            $"--Auth:External:Audience={ExternalAudience}",
            $"--Auth:External:SigningKey={externalIssuerKey}",
            // Every test call comes from 127.0.0.1: production limits would throttle the suite itself.
            "--RateLimits:Auth:PermitLimit=100000",
            "--RateLimits:General:PermitLimit=1000000",
            "--Auth:SignIn:FreeFailuresPerAddress=100000",
            // Small enough that a test can overflow a stalled client's queue quickly.
            "--Realtime:ClientQueueLimit=100",
            // Housekeeping every few seconds, so its tests need not wait ten minutes.
            "--Housekeeping:IntervalSeconds=3",
            .. extraArgs ?? [],
        ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Phyght_AppHost>(
            new DistributedApplicationTestingBuilderOptions { EnableDashboard = dashboard }, args, ct);
        var logs = new CapturedLogs();
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Information)
            .AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(level => level >= LogLevel.Warning)
            // Resource consoles (postgres writes its log to stderr) stay in CapturedLogs, out of the test output.
            .AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>("Phyght.AppHost.Resources", LogLevel.None)
            .AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Error)
            .AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>("Aspire.Hosting.Dcp", LogLevel.Error)
            .AddProvider(logs));

        var app = await builder.BuildAsync(ct);
        var stack = new PhyghtStack(app, dataPath, logs, externalIssuerKey);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(StartTimeout);
        try
        {
            await app.StartAsync(timeout.Token);
            foreach (var resource in waitHealthy ?? AllResources)
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
            }
        }
        catch (Exception ex)
        {
            var tail = string.Join("\n", logs.Lines.Where(l => l.Level >= LogLevel.Warning).TakeLast(40).Select(l => $"{l.Category}: {l.Message}"));
            await stack.DisposeAsync();
            throw new InvalidOperationException($"The stack did not start: {ex.Message}\nLast warnings and errors:\n{tail}", ex);
        }
        return stack;
    }

    public HttpClient CreateApiClient() => App.CreateHttpClient("api");

    public HttpClient CreateWorkerClient() => App.CreateHttpClient("worker");

    public async Task<string> ConnectionStringAsync(string resource) =>
        await App.GetConnectionStringAsync(resource) ?? throw new InvalidOperationException($"{resource} has no connection string");

    /// <summary>The OS process ids of every resource that runs as a process, read from the resource snapshots.</summary>
    public IReadOnlyList<int> ProcessIds()
    {
        var model = App.Services.GetRequiredService<DistributedApplicationModel>();
        var pids = new List<int>();
        foreach (var resource in model.Resources)
        {
            if (App.ResourceNotifications.TryGetCurrentState(resource.Name, out var state))
            {
                var pid = state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
                // 0 until the process has started (the web page waits for the API, which a test may not wait for).
                if (pid is not null && int.TryParse(pid.ToString(), out var id) && id > 0)
                {
                    pids.Add(id);
                }
            }
        }
        return pids;
    }

    /// <summary>The OS process id of one resource that runs as a process.</summary>
    public int ProcessIdOf(string resource) =>
        App.ResourceNotifications.TryGetCurrentState(resource, out var state)
        && state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } pid
        && int.TryParse(pid.ToString(), out var id)
            ? id
            : throw new InvalidOperationException($"{resource} has no process id");

    /// <summary>Restarts a resource (starts it again if it died) through the dashboard's own command, and waits until it
    /// is healthy.</summary>
    public async Task RestartAsync(string resource)
    {
        var running = App.ResourceNotifications.TryGetCurrentState(resource, out var state) && state.Snapshot.State?.Text == KnownResourceStates.Running;
        var result = await App.ResourceCommands.ExecuteCommandAsync(resource, running ? KnownResourceCommands.RestartCommand : KnownResourceCommands.StartCommand);
        Assert.True(result.Success, $"{resource} restarts: {result.Message}");
        // Right after the command the snapshot may still be the stopped instance's: wait through it for the new one.
        await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, WaitBehavior.WaitOnResourceUnavailable).WaitAsync(StartTimeout);
        // The test's own pooled database connections died with the server.
        Npgsql.NpgsqlConnection.ClearAllPools();
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync().WaitAsync(TimeSpan.FromMinutes(1)).ContinueWith(_ => { });
        await App.DisposeAsync();
    }
}
