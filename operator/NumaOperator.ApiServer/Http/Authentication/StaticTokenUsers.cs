using System.Security.Cryptography;
using System.Text;

namespace NumaOperator.ApiServer.Http.Authentication;

/// <summary>A user a static token stands for (kube-apiserver's --token-auth-file line: token, name, groups).</summary>
public sealed record StaticTokenUser(string Token, string Name, IReadOnlyList<string> Groups)
{
    /// <summary>kube-apiserver's superuser group: the only one the embedded server authorizes (it has no RBAC).</summary>
    public const string Masters = "system:masters";

    public const string Authenticated = "system:authenticated";

    public bool IsMaster => Groups.Contains(Masters);
}

/// <summary>
/// Every token the embedded server knows, for its TokenReview: the kubeconfig and loopback tokens (system:masters) and
/// the extra users of <see cref="ApiServerOptions.Users"/>. Tokens are compared in fixed time, all of them, always.
/// </summary>
public sealed class StaticTokenUsers(IReadOnlyList<StaticTokenUser> users)
{
    public const string KubeconfigUser = "numa-operator:kubeconfig";
    public const string LoopbackUser = "system:apiserver";

    public static StaticTokenUsers Of(string kubeconfigToken, string loopbackToken, IEnumerable<StaticTokenUser> extra) => new(
    [
        new StaticTokenUser(kubeconfigToken, KubeconfigUser, [StaticTokenUser.Masters, StaticTokenUser.Authenticated]),
        new StaticTokenUser(loopbackToken, LoopbackUser, [StaticTokenUser.Masters, StaticTokenUser.Authenticated]),
        .. extra,
    ]);

    public StaticTokenUser? Find(string? token)
    {
        var presented = Encoding.UTF8.GetBytes(token ?? string.Empty);
        StaticTokenUser? found = null;
        foreach (var user in users)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(user.Token)) && token is { Length: > 0 })
            {
                found = user;
            }
        }

        return found;
    }
}
