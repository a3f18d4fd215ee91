using System.Diagnostics;
using Npgsql;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.EndToEnd;

/// <summary>Tests that start and stop stacks of their own: persistence, permissions, shutdown, bad setup.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task Data_survives_a_restart_on_the_same_data_folder()
    {
        var dataPath = PhyghtStack.NewDataFolder();
        var marker = Guid.NewGuid().ToString();
        await using (var first = await PhyghtStack.StartAsync(dataPath, waitHealthy: ["phyght"]))
        {
            await ExecuteAsync(await first.ConnectionStringAsync("phyght"),
                "CREATE TABLE restart_probe (marker text); INSERT INTO restart_probe VALUES (@marker)", marker);
        }

        await using var second = await PhyghtStack.StartAsync(dataPath, waitHealthy: ["phyght"]);
        await using var connection = new NpgsqlConnection(await second.ConnectionStringAsync("phyght"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT marker FROM restart_probe", connection);
        Assert.Equal(marker, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Starts_when_the_data_folder_lies_under_a_folder_the_postgres_user_cannot_enter()
    {
        // Like a checkout under /root (mode 700): only root may enter.
        var privateRoot = PhyghtStack.NewDataFolder();
        File.SetUnixFileMode(privateRoot, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var dataPath = PhyghtStack.NewDataFolder(privateRoot);

        await using var stack = await PhyghtStack.StartAsync(dataPath, waitHealthy: ["phyght"]);
        await ExecuteAsync(await stack.ConnectionStringAsync("phyght"), "SELECT @marker", "reachable");
    }

    [Fact]
    public async Task Dispose_leaves_no_process_behind()
    {
        var stack = await PhyghtStack.StartAsync();
        var pids = stack.ProcessIds();
        Assert.True(pids.Count >= 5, $"expected the pids of postgres, redis, azurite, api and worker, got {pids.Count}");

        await stack.DisposeAsync();

        await Eventually.HoldsAsync(() => pids.All(pid => !IsAlive(pid)), TimeSpan.FromSeconds(30),
            $"every process of the stack has exited ({string.Join(", ", pids.Where(IsAlive))} still alive)");
        await Eventually.HoldsAsync(() => !ProcessesMentioning(stack.DataPath).Any(), TimeSpan.FromSeconds(30),
            "no server process still uses the data folder");
    }

    [Fact]
    public async Task A_missing_server_binary_is_reported_in_one_line_naming_the_package()
    {
        await using var stack = await PhyghtStack.StartAsync(
            extraArgs: ["--Phyght:Redis:Command=/nonexistent/redis-server"],
            waitHealthy: ["phyght"]);

        await stack.App.ResourceNotifications.WaitForResourceAsync("redis", KnownResourceStates.FailedToStart)
            .WaitAsync(TimeSpan.FromMinutes(1));
        var line = await Eventually.ReturnsAsync(
            () => Task.FromResult(stack.Logs.Lines.FirstOrDefault(l => l.Category == "Phyght.AppHost" && l.Message.Contains("not found")).Message),
            message => message is not null,
            TimeSpan.FromSeconds(30),
            "the AppHost logs why redis cannot start");

        Assert.NotNull(line);
        Assert.Contains("apt-get install -y redis-server", line);
        Assert.DoesNotContain("\n", line.TrimEnd());
        Assert.DoesNotContain("   at ", line);
    }

    private static async Task ExecuteAsync(string connectionString, string sql, string marker)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("marker", marker);
        await command.ExecuteNonQueryAsync();
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static IEnumerable<int> ProcessesMentioning(string text) =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => int.TryParse(name, out _))
            .Where(name =>
            {
                try
                {
                    return File.ReadAllText($"/proc/{name}/cmdline").Contains(text, StringComparison.Ordinal);
                }
                catch (IOException)
                {
                    return false;
                }
                catch (UnauthorizedAccessException)
                {
                    return false;
                }
            })
            .Select(int.Parse!);
}
