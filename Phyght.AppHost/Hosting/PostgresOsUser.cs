using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Phyght.AppHost.Hosting;

/// <summary>
/// PostgreSQL refuses to run as root. When the AppHost is root, initdb and postgres run as the <c>postgres</c> OS
/// user through <c>setpriv</c> (which execs, so DCP signals postgres itself), and the cluster must live where that
/// user can reach it: a checkout under <c>/root</c> (mode 700) cannot, so the cluster then moves under the
/// postgres user's home, keyed by the data folder's path.
/// </summary>
internal sealed class PostgresOsUser
{
    private const string OsUser = "postgres";
    private readonly bool _isRoot;

    private PostgresOsUser(bool isRoot) => _isRoot = isRoot;

    public static PostgresOsUser ForCurrentProcess() => new(Environment.UserName == "root");

    public (string Command, string[] Prefix) Wrap(string binary) => _isRoot
        ? ("setpriv", [$"--reuid={OsUser}", $"--regid={OsUser}", "--init-groups", "--", binary])
        : (binary, []);

    public string DataDirectoryFor(string dataPath)
    {
        if (!_isRoot || CanEnter(dataPath))
        {
            return Path.Combine(dataPath, "postgres");
        }
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataPath)))[..16];
        return Path.Combine("/var/lib/postgresql/phyght", key);
    }

    public async Task InitializeClusterAsync(string binDirectory, string pgData, string password, ILogger logger, CancellationToken ct)
    {
        if (File.Exists(Path.Combine(pgData, "PG_VERSION")))
        {
            return;
        }
        Directory.CreateDirectory(pgData);
        if (_isRoot)
        {
            await RunAsync("chown", ["-R", $"{OsUser}:{OsUser}", pgData], ct);
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(pgData, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        logger.LogInformation("Initializing a new PostgreSQL cluster in {DataDirectory}", pgData);

        // initdb reads the superuser password from a file the postgres user can open; it lives only for this call.
        var passwordFile = Path.Combine(Path.GetTempPath(), $"phyght-pg-{Guid.NewGuid():N}");
        await DataFolder.WritePrivateFileAsync(passwordFile, password, ct);
        try
        {
            if (_isRoot)
            {
                await RunAsync("chown", [$"{OsUser}:{OsUser}", passwordFile], ct);
            }
            var (command, prefix) = Wrap(Path.Combine(binDirectory, "initdb"));
            string[] args = [.. prefix, "-D", pgData, "-U", PostgresExecutableResource.SuperuserName, "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--no-locale"];
            logger.LogInformation("{InitdbOutput}", await RunAsync(command, args, ct));
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    private static bool CanEnter(string dataPath)
    {
        try
        {
            var psi = new ProcessStartInfo("setpriv", [$"--reuid={OsUser}", $"--regid={OsUser}", "--init-groups", "--", "test", "-x", dataPath])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var process = Process.Start(psi)!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static async Task<string> RunAsync(string command, string[] args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(command, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(psi) ?? throw new DistributedApplicationException($"Could not start {command}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new DistributedApplicationException($"{command} {string.Join(' ', args)} failed ({process.ExitCode}): {(await stderr).Trim()}");
        }
        return (await stdout).Trim();
    }
}
