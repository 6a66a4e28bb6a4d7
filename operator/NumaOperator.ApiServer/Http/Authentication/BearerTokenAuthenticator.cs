using System.Security.Cryptography;
using System.Text;

namespace NumaOperator.ApiServer.Http.Authentication;

/// <summary>
/// kube-apiserver's static-token authentication with two tokens: the Authorization header names the identity, or
/// nothing (401). Both tokens are compared in fixed time, always, so timing tells nothing about either.
/// </summary>
public sealed class BearerTokenAuthenticator(string kubeconfigToken, string loopbackToken)
{
    private readonly byte[] kubeconfig = Encoding.UTF8.GetBytes("Bearer " + kubeconfigToken);
    private readonly byte[] loopback = Encoding.UTF8.GetBytes("Bearer " + loopbackToken);

    public ClientIdentity? Authenticate(string? authorizationHeader)
    {
        var presented = Encoding.UTF8.GetBytes(authorizationHeader ?? string.Empty);
        var isKubeconfig = CryptographicOperations.FixedTimeEquals(presented, kubeconfig);
        var isLoopback = CryptographicOperations.FixedTimeEquals(presented, loopback);
        return isLoopback ? ClientIdentity.Loopback : isKubeconfig ? ClientIdentity.Kubeconfig : null;
    }
}
