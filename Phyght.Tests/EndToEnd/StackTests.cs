using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Npgsql;
using Phyght.Tests.Infrastructure;
using StackExchange.Redis;

namespace Phyght.Tests.EndToEnd;

[Collection(StackCollection.Name)]
public sealed class StackTests(StackFixture fixture)
{
    private PhyghtStack Stack => fixture.Stack;

    [Fact]
    public void Every_resource_is_running_and_healthy()
    {
        foreach (var name in PhyghtStack.AllResources)
        {
            Assert.True(Stack.App.ResourceNotifications.TryGetCurrentState(name, out var state), $"{name} has no state");
            Assert.Equal(KnownResourceStates.Running, state.Snapshot.State?.Text);
            Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, state.Snapshot.HealthStatus);
        }
    }

    /// <summary>The process the orchestrator reports (and stops) is the service's own, started from the AppHost build's
    /// output, not a <c>dotnet run</c> that evaluates the project at every start.</summary>
    [Theory]
    [InlineData("api", "Phyght.Api")]
    [InlineData("worker", "Phyght.Worker")]
    public void Each_service_runs_from_its_build_output(string resource, string assembly)
    {
        var command = File.ReadAllText($"/proc/{Stack.ProcessIdOf(resource)}/cmdline").Split('\0');

        Assert.Equal(assembly, Path.GetFileName(command[0]));
    }

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public async Task Health_names_the_database_redis_and_blob_checks(string service)
    {
        using var http = Stack.App.CreateHttpClient(service);
        var report = await http.GetFromJsonAsync<JsonElement>("/health");

        Assert.Equal("Healthy", report.GetProperty("status").GetString());
        var checks = report.GetProperty("checks");
        foreach (var check in new[] { "PhyghtDbContext", "StackExchange.Redis", "blobs" })
        {
            Assert.True(checks.TryGetProperty(check, out var entry), $"{service} /health lacks {check}: {checks}");
            Assert.Equal("Healthy", entry.GetProperty("status").GetString());
        }

        using var alive = await http.GetAsync("/alive");
        Assert.True(alive.IsSuccessStatusCode);
    }

    [Theory]
    [InlineData("api", "phyght-api", "phyght_api")]
    [InlineData("worker", "phyght-worker", "phyght_worker")]
    public async Task Services_receive_connection_strings_of_the_servers_the_apphost_started(string service, string login, string role)
    {
        // The environment DCP actually gave the running process, as the dashboard shows it.
        Assert.True(Stack.App.ResourceNotifications.TryGetCurrentState(service, out var state));
        var env = state.Snapshot.EnvironmentVariables.Where(e => e.Value is not null).ToDictionary(e => e.Name, e => e.Value!);

        // Each service logs in as its own role: not the superuser, not exempt from row level security.
        var database = env["ConnectionStrings__phyght"];
        Assert.Equal(await Stack.ConnectionStringAsync(login), database);
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT current_database() || ' ' || current_user || ' ' || rolsuper || ' ' || rolbypassrls FROM pg_roles WHERE rolname = current_user", connection);
            Assert.Equal($"phyght {role} false false", await command.ExecuteScalarAsync());
        }
        Assert.DoesNotContain(env, e => e.Value.Contains("Username=postgres", StringComparison.Ordinal));

        var redis = env["ConnectionStrings__redis"];
        Assert.Equal(await Stack.ConnectionStringAsync("redis"), redis);
        await using (var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis))
        {
            var latency = await multiplexer.GetDatabase().PingAsync();
            Assert.True(latency >= TimeSpan.Zero);
        }

        var blobs = env["ConnectionStrings__blobs"];
        Assert.Equal(await Stack.ConnectionStringAsync("blobs"), blobs);
        var client = new BlobServiceClient(blobs);
        var container = client.GetBlobContainerClient($"wiring-{Guid.NewGuid():N}");
        await container.CreateAsync();
        var names = new List<string>();
        await foreach (var item in client.GetBlobContainersAsync())
        {
            names.Add(item.Name);
        }
        Assert.Contains(container.Name, names);
        await container.DeleteAsync();
    }

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public void Services_flush_telemetry_within_a_second_at_shutdown(string service)
    {
        // The OTLP exporter's default 10 s final flush is what made a stop take 12 s (stack.md); 1 s holds it at ~2 s.
        Assert.True(Stack.App.ResourceNotifications.TryGetCurrentState(service, out var state));
        Assert.Contains(state.Snapshot.EnvironmentVariables, e => e.Name == "OTEL_EXPORTER_OTLP_TIMEOUT" && e.Value == "1000");
    }

    [Fact]
    public void The_api_optimizes_hot_code_in_one_step_from_the_start()
    {
        // Without these the API's uncached pages were still getting faster a minute after a start; with them they are
        // steady from 20–30 s (docs/benchmarks.md, sixteenth session).
        Assert.True(Stack.App.ResourceNotifications.TryGetCurrentState("api", out var state));
        Assert.Contains(state.Snapshot.EnvironmentVariables, e => e.Name == "DOTNET_TieredPGO" && e.Value == "0");
        Assert.Contains(state.Snapshot.EnvironmentVariables, e => e.Name == "DOTNET_TC_CallCountingDelayMs" && e.Value == "0");
    }

    [Fact]
    public async Task No_secret_password_or_token_ever_reaches_the_logs()
    {
        var user = await Accounts.NewAsync(Stack, "moderator");
        await user.CreateVideoAsync(new { title = "Logged" });
        await user.PostAsync("/auth/token", new { email = "nobody@example.test", password = "wrong-password-9" });
        var secrets = Directory.GetFiles(Stack.DataPath, "*.secret").Concat(Directory.GetFiles(Stack.DataPath, "*.password"))
            .Select(f => File.ReadAllText(f).Trim())
            .Append(user.AccessToken!)
            .Append(Accounts.Password)
            .Append("wrong-password-9")
            .ToList();
        Assert.True(secrets.Count >= 6);

        // Logs are forwarded asynchronously: wait until the request above has been logged before looking.
        await Eventually.HoldsAsync(() => Stack.Logs.Lines.Any(l => l.Message.Contains("created video")), TimeSpan.FromSeconds(10), "the API's logs arrive");
        var leaks = Stack.Logs.Lines.Where(l => secrets.Any(secret => l.Message.Contains(secret, StringComparison.Ordinal))).ToList();
        Assert.True(leaks.Count == 0, $"{leaks.Count} log lines contain a secret, e.g. from {leaks.FirstOrDefault().Category}");
    }
}
