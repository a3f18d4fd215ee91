using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;

namespace Phyght.AppHost.Hosting;

/// <summary>
/// DCP, Aspire's orchestrator, serves its API over TLS and, when it is given no certificate, generates a new RSA key at
/// every start: 2.2–2.9 s here, before any resource can start (a third of the way to the warm start's target). Given
/// one it is listening in under 0.1 s. Aspire has a setting for DCP's path and none for its certificate, so when
/// running, the AppHost makes an ECDSA P-256 certificate (a millisecond) and points DCP's path at a launcher that passes
/// it to <c>dcp start-apiserver</c>. Both are written again at every start, in the data folder, readable by the owner only.
/// </summary>
public static class OrchestratorCertificateExtensions
{
    private const string CliPathKey = "DcpPublisher:CliPath";

    public static IDistributedApplicationBuilder UseOrchestratorCertificate(this IDistributedApplicationBuilder builder)
    {
        if (OperatingSystem.IsWindows() || builder.ExecutionContext.IsPublishMode
            || !string.IsNullOrEmpty(builder.Configuration[CliPathKey]) || !string.IsNullOrEmpty(builder.Configuration["ASPIRE_DCP_PATH"])
            || DcpPathFromAspireSdk() is not { } dcp || dcp.Contains('\''))
        {
            return builder;
        }

        var folder = Path.Combine(DataFolder.Resolve(builder), "orchestrator");
        if (folder.Contains('\''))
        {
            return builder;
        }
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var (certificatePem, keyPem) = CreateCertificate();
        var certificate = Path.Combine(folder, "api-server.crt");
        var key = Path.Combine(folder, "api-server.key");
        var launcher = Path.Combine(folder, "dcp");
        WriteOwnerOnly(certificate, certificatePem, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteOwnerOnly(key, keyPem, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteOwnerOnly(launcher, $"""
            #!/bin/sh
            # Written by the AppHost at every start (Hosting/OrchestratorCertificateExtensions.cs): DCP, with a certificate for its API server.
            if [ "$1" = start-apiserver ]; then
              exec '{dcp}' "$@" --tls-cert-file '{certificate}' --tls-key-file '{key}'
            fi
            exec '{dcp}' "$@"

            """, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        builder.Configuration[CliPathKey] = launcher;
        return builder;
    }

    /// <summary>Where the Aspire SDK's build recorded DCP (the value Aspire itself uses when no path is configured).</summary>
    private static string? DcpPathFromAspireSdk() =>
        typeof(OrchestratorCertificateExtensions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(m => string.Equals(m.Key, "dcpclipath", StringComparison.OrdinalIgnoreCase))?.Value is { Length: > 0 } path
            && File.Exists(path) ? path : null;

    private static (string Certificate, string Key) CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void WriteOwnerOnly(string path, string contents, UnixFileMode mode)
    {
        File.Delete(path);
        using var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode });
        using var writer = new StreamWriter(stream);
        writer.Write(contents);
    }
}
