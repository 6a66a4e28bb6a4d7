using System.Net;
using k8s;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Agent.SerialConsole;

/// <summary>The verdict on one request to the console endpoint: allowed, or the HTTP status and message to answer.</summary>
public sealed record AccessVerdict(HttpStatusCode Status, string Message, string? User)
{
    public bool Allowed => Status == HttpStatusCode.OK;
}

/// <summary>
/// Who may reach a VM's console or log is the API server's decision, as for the kubelet's exec (webhook authn/authz):
/// the caller's bearer token goes to a TokenReview, the user it names to a SubjectAccessReview for verb get on
/// numavirtualmachines/console (or /log) in the VM's namespace. The agent's own permissions never stand in for the caller's.
/// </summary>
public sealed class ConsoleAccessReview(IKubernetes client)
{
    public const string Verb = "get";

    public async Task<AccessVerdict> ReviewAsync(string? authorizationHeader, ConsoleRoute route, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(route);
        if (BearerToken(authorizationHeader) is not { } token)
        {
            return new AccessVerdict(HttpStatusCode.Unauthorized, "Unauthorized: the request has no bearer token (Authorization: Bearer TOKEN)", null);
        }

        var review = await client.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token } }, cancellationToken: ct);
        if (review.Status?.Authenticated != true || review.Status.User is not { } user)
        {
            return new AccessVerdict(HttpStatusCode.Unauthorized, $"Unauthorized: the API server did not authenticate the token{(review.Status?.Error is { Length: > 0 } error ? ": " + error : string.Empty)}", null);
        }

        var access = await client.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec
            {
                User = user.Username,
                Groups = user.Groups,
                Uid = user.Uid,
                Extra = user.Extra,
                ResourceAttributes = new V1ResourceAttributes
                {
                    Group = ApiGroup.Group,
                    Version = ApiGroup.Version,
                    Resource = NumaVirtualMachine.Plural,
                    Subresource = route.SubresourceName,
                    Verb = Verb,
                    NamespaceProperty = route.Namespace,
                    Name = route.Name,
                },
            },
        }, cancellationToken: ct);
        return access.Status?.Allowed == true
            ? new AccessVerdict(HttpStatusCode.OK, "allowed", user.Username)
            : new AccessVerdict(HttpStatusCode.Forbidden, Forbidden(user.Username, route, access.Status?.Reason), user.Username);
    }

    /// <summary>kube-apiserver's wording, so the message names the user, verb, resource and namespace.</summary>
    public static string Forbidden(string user, ConsoleRoute route, string? reason) =>
        $"{NumaVirtualMachine.Plural}.{ApiGroup.Group} \"{route.Name}\" is forbidden: User \"{user}\" cannot {Verb} resource " +
        $"\"{NumaVirtualMachine.Plural}/{route.SubresourceName}\" in API group \"{ApiGroup.Group}\" in the namespace \"{route.Namespace}\"" +
        (reason is { Length: > 0 } ? ": " + reason : string.Empty);

    private static string? BearerToken(string? header) =>
        header is not null && header.StartsWith("Bearer ", StringComparison.Ordinal) && header[7..].Trim() is { Length: > 0 } token ? token : null;
}
