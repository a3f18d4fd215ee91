using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Phyght.AppHost.Hosting;

/// <summary>
/// Two costs DCP, Aspire's orchestrator, pays at every start before the stack can be healthy, removed through the one
/// setting Aspire has for DCP, its path: given no certificate for its API server DCP generates an RSA key (2.2–2.9 s
/// here, before any resource can start; with one it listens in under 0.1 s), and it starts every service through
/// <c>dotnet run</c> (<see cref="BuiltServices"/>). When running, the AppHost points DCP's path at a launcher that passes
/// <c>dcp start-apiserver</c> an <see cref="OrchestratorCertificate"/> and puts <see cref="BuiltServices.DotnetShim"/>
/// first on DCP's PATH. All of it is written again at every start, in the data folder, readable by the owner only.
/// </summary>
public static class OrchestratorLauncherExtensions
{
    private const string CliPathKey = "DcpPublisher:CliPath";
    private static readonly Assembly AppHost = typeof(OrchestratorLauncherExtensions).Assembly;

    public static IDistributedApplicationBuilder UseOrchestratorLauncher(this IDistributedApplicationBuilder builder)
    {
        if (OperatingSystem.IsWindows() || builder.ExecutionContext.IsPublishMode || !File.Exists("/bin/bash")
            || !string.IsNullOrEmpty(builder.Configuration[CliPathKey]) || !string.IsNullOrEmpty(builder.Configuration["ASPIRE_DCP_PATH"])
            || DcpPathFromAspireSdk() is not { } dcp)
        {
            return builder;
        }

        var folder = Path.Combine(DataFolder.Resolve(builder), "orchestrator");
        var bin = Path.Combine(folder, "bin");
        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        const UnixFileMode ownerRuns = ownerOnly | UnixFileMode.UserExecute;
        Directory.CreateDirectory(bin, ownerRuns);
        var (certificatePem, keyPem) = OrchestratorCertificate.Create();
        var certificate = Path.Combine(folder, "api-server.crt");
        var key = Path.Combine(folder, "api-server.key");
        WriteOwnerOnly(certificate, certificatePem, ownerOnly);
        WriteOwnerOnly(key, keyPem, ownerOnly);

        var path = "";
        if (BuiltServices.FindDotnet() is { } dotnet
            && AppHost.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } configuration)
        {
            WriteOwnerOnly(Path.Combine(bin, "dotnet"),
                BuiltServices.DotnetShim(bin, dotnet, BuiltServices.RuntimeRoot(), configuration, BuiltServices.Outputs(AppHost)), ownerRuns);
            path = $"PATH={Shell.Quote(bin)}:\"$PATH\"; export PATH";
        }
        var launcher = Path.Combine(folder, "dcp");
        WriteOwnerOnly(launcher, $"""
            #!/bin/bash
            # Written by the AppHost at every start (Hosting/OrchestratorLauncherExtensions.cs): DCP, with a certificate for its
            # API server and the AppHost's dotnet shim first on its PATH. Bash: it passes on every environment variable.
            {path}
            if [ "$1" = start-apiserver ]; then
              exec {Shell.Quote(dcp)} "$@" --tls-cert-file {Shell.Quote(certificate)} --tls-key-file {Shell.Quote(key)}
            fi
            exec {Shell.Quote(dcp)} "$@"

            """, ownerRuns);

        builder.Configuration[CliPathKey] = launcher;
        return builder;
    }

    /// <summary>Where the Aspire SDK's build recorded DCP (the value Aspire itself uses when no path is configured).</summary>
    private static string? DcpPathFromAspireSdk() =>
        AppHost.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(m => string.Equals(m.Key, "dcpclipath", StringComparison.OrdinalIgnoreCase))?.Value is { Length: > 0 } path
            && File.Exists(path) ? path : null;

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void WriteOwnerOnly(string path, string contents, UnixFileMode mode)
    {
        File.Delete(path);
        using var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode });
        using var writer = new StreamWriter(stream);
        writer.Write(contents);
    }
}
