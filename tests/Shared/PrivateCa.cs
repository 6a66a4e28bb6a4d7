using System.Security.Cryptography.X509Certificates;

namespace NumaOperator.Tests.Shared;

/// <summary>Trust in one private CA (the embedded API server's), for HTTP clients that talk to it without a kubeconfig.</summary>
public static class PrivateCa
{
    /// <summary>A SocketsHttpHandler that accepts only server certificates issued by <paramref name="authority"/>.</summary>
    public static SocketsHttpHandler Handler(X509Certificate2 authority, int maxConnections = 256) => new()
    {
        MaxConnectionsPerServer = maxConnections,
        SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => Trusts(authority, certificate) },
    };

    public static bool Trusts(X509Certificate2 authority, X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
