using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Phyght.AppHost.Hosting;

/// <summary>A certificate for DCP's API server: ECDSA P-256, made in a millisecond (DCP's own RSA key took 2.2–2.9 s).</summary>
internal static class OrchestratorCertificate
{
    public static (string Certificate, string Key) Create()
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
}
