using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NumaOperator.ApiServer;

/// <summary>
/// The server's TLS identity: a private CA and a serving certificate for 127.0.0.1, ::1 and localhost signed by it.
/// TLS is not optional: kubectl (client-go) never sends a bearer token to a plain-HTTP server. The CA goes into the
/// kubeconfig as certificate-authority-data; with a data directory both are kept so kubeconfigs survive restarts.
/// </summary>
public sealed class ServerCertificates : IDisposable
{
    private const string CaFile = "ca.crt";
    private const string ServingFile = "serving.pfx";

    private ServerCertificates(X509Certificate2 authority, X509Certificate2 serving)
    {
        Authority = authority;
        Serving = serving;
    }

    /// <summary>The CA certificate (public part only) that clients trust.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The serving certificate with its private key.</summary>
    public X509Certificate2 Serving { get; }

    public string AuthorityPem => Authority.ExportCertificatePem();

    public static ServerCertificates LoadOrCreate(string? dataDir, IPAddress listenAddress)
    {
        if (dataDir is not null && File.Exists(Path.Combine(dataDir, CaFile)) && File.Exists(Path.Combine(dataDir, ServingFile)))
        {
            var authority = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(dataDir, CaFile));
            var serving = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(dataDir, ServingFile), null);
            if (serving.NotAfter > DateTime.UtcNow.AddDays(1))
            {
                return new ServerCertificates(authority, serving);
            }

            authority.Dispose();
            serving.Dispose();
        }

        var created = Create(listenAddress);
        if (dataDir is not null)
        {
            File.WriteAllText(Path.Combine(dataDir, CaFile), created.AuthorityPem);
            Kubeconfig.WriteSecret(Path.Combine(dataDir, ServingFile), created.Serving.Export(X509ContentType.Pkcs12));
        }

        return created;
    }

    public void Dispose()
    {
        Authority.Dispose();
        Serving.Dispose();
    }

    private static ServerCertificates Create(IPAddress listenAddress)
    {
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=numa-operator-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now, now.AddYears(10));

        using var servingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var servingRequest = new CertificateRequest("CN=numa-operator-apiserver", servingKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        if (!IPAddress.IsLoopback(listenAddress) && !listenAddress.Equals(IPAddress.Any) && !listenAddress.Equals(IPAddress.IPv6Any))
        {
            names.AddIpAddress(listenAddress);
        }

        servingRequest.CertificateExtensions.Add(names.Build());
        servingRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        servingRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        servingRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        servingRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var signed = servingRequest.Create(ca, now, now.AddYears(5), serial);
        using var withKey = signed.CopyWithPrivateKey(servingKey);

        // Re-import so the private key is usable by SslStream on every platform.
        var serving = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        var authority = X509CertificateLoader.LoadCertificate(ca.Export(X509ContentType.Cert));
        return new ServerCertificates(authority, serving);
    }
}
