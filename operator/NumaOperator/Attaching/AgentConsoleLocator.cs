using System.Net;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Autorest;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Explaining;
using NumaOperator.Cli.Hosting;

namespace NumaOperator.Cli.Attaching;

/// <summary>Where to reach one VM's console: its node agent's endpoint, the CA to trust, and the caller's own token.</summary>
public sealed record AgentConsoleAddress(Uri BaseUrl, X509Certificate2 Authority, string BearerToken, string NodeName, string? Phase);

/// <summary>
/// Finds the agent that runs a VM through the API server, with the caller's kubeconfig: the VM's status.nodeName and
/// status.console (URL and CA, written by that agent), so reading the VM is all it takes. The caller's token goes to the agent, which asks
/// the API server whether this user may get numavirtualmachines/console (or /log) in the VM's namespace.
/// </summary>
public static class AgentConsoleLocator
{
    public static async Task<AgentConsoleAddress> LocateAsync(KubernetesClientConfiguration configuration, VmReference reference, CancellationToken ct)
    {
        var token = await BearerTokenAsync(configuration);
        using var client = ClusterProcess.Client(configuration);
        using var vms = new GenericClient(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, disposeClient: false);
        var vm = await ReadAsync(() => vms.ReadNamespacedAsync<NumaVirtualMachine>(reference.Namespace, reference.Name, ct), $"NumaVirtualMachine \"{reference.Name}\" in namespace \"{reference.Namespace}\"", configuration.Host);
        if (vm.Status?.NodeName is not { Length: > 0 } node)
        {
            throw new AttachFailedException($"NumaVirtualMachine {reference} is not placed on a node (phase {vm.Status?.Phase ?? "Pending"}): it has no console or serial log yet; `numa-operator explain {reference}` says why");
        }

        if (vm.Status.Console is not { Url.Length: > 0, CertificateAuthority.Length: > 0 } console)
        {
            throw new AttachFailedException($"NumaVirtualMachine {reference} has no status.console: the agent of node {node} serves no console endpoint (it runs with --console-listen none, is an older agent, or has not written this VM's status since it started)");
        }

        return new AgentConsoleAddress(new Uri(console.Url), X509Certificate2.CreateFromPem(console.CertificateAuthority), token, node, vm.Status.Phase);
    }

    /// <summary>The kubeconfig user's bearer token (a static token or an exec/auth-provider plugin's).</summary>
    private static async Task<string> BearerTokenAsync(KubernetesClientConfiguration configuration)
    {
        if (configuration.AccessToken is { Length: > 0 } token)
        {
            return token;
        }

        if (configuration.TokenProvider is { } provider && (await provider.GetAuthenticationHeaderAsync(CancellationToken.None)).Parameter is { Length: > 0 } provided)
        {
            return provided;
        }

        throw new BadInputException("the kubeconfig user has no bearer token: the console and logs are authorized by the API server from a token (token, tokenFile or an exec plugin in the kubeconfig); client-certificate users are not supported");
    }

    private static async Task<T> ReadAsync<T>(Func<Task<T>> read, string what, string server)
    {
        try
        {
            return await read();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new AttachFailedException($"{what} not found (server {server})");
        }
        catch (HttpOperationException e)
        {
            throw new AttachFailedException($"reading {what} failed: {(int)e.Response.StatusCode} {e.Response.ReasonPhrase}: {Placing.OneLineText.Of(e.Response.Content ?? string.Empty)} (server {server})");
        }
        catch (HttpRequestException e)
        {
            throw new AttachFailedException($"the API server {server} is unreachable: {e.Message}");
        }
    }
}
