using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Qemu.Disks;

namespace NumaOperator.Agent.Runtime;

/// <summary>Reads a Secret's data in a namespace; null when there is no such Secret.</summary>
public interface ISecretReader
{
    Task<IDictionary<string, byte[]>?> ReadAsync(string ns, string name, CancellationToken ct);
}

/// <summary>Secrets through the API server (the agent's RBAC: get secrets).</summary>
public sealed class KubernetesSecretReader(IKubernetes client) : ISecretReader
{
    public async Task<IDictionary<string, byte[]>?> ReadAsync(string ns, string name, CancellationToken ct)
    {
        try
        {
            var secret = await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct);
            var data = new Dictionary<string, byte[]>(secret.Data ?? new Dictionary<string, byte[]>(), StringComparer.Ordinal);

            // A real API server folds stringData into data and never returns it; the embedded one stores it as sent.
            foreach (var (key, value) in secret.StringData ?? new Dictionary<string, string>())
            {
                data.TryAdd(key, System.Text.Encoding.UTF8.GetBytes(value));
            }

            return data;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}

/// <summary>spec.cloudInit cannot be delivered yet (a Secret or key is missing); nothing was started.</summary>
public sealed class CloudInitUnavailableException(string message) : Exception(message)
{
    public CloudInitUnavailableException()
        : this("cloud-init data unavailable")
    {
    }

    public CloudInitUnavailableException(string message, Exception inner)
        : this(message + ": " + inner?.Message)
    {
    }
}

/// <summary>spec.cloudInit as the seed's files: inline text, or a key of a Secret in the VM's namespace (read at each start).</summary>
public static class CloudInitSources
{
    /// <summary>Running=False reason while a referenced Secret or key is missing (retried like a host pre-flight refusal).</summary>
    public const string ReasonCloudInitUnavailable = "CloudInitUnavailable";

    /// <summary>KubeVirt's default keys.</summary>
    public const string DefaultUserDataKey = "userdata";
    public const string DefaultNetworkDataKey = "networkdata";

    /// <summary>The seed's files, or null when the VM has no spec.cloudInit.</summary>
    /// <exception cref="CloudInitUnavailableException">A referenced Secret or key does not exist.</exception>
    public static async Task<SeedFiles?> ResolveAsync(NumaVirtualMachine vm, ISecretReader? secrets, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(vm);
        if (vm.Spec.CloudInit is not { } cloudInit)
        {
            return null;
        }

        var ns = vm.Metadata.NamespaceProperty ?? "default";
        var userData = await ReadAsync("spec.cloudInit.userDataSecretRef", cloudInit.UserData, cloudInit.UserDataSecretRef, DefaultUserDataKey, ns, secrets, ct);
        var networkData = await ReadAsync("spec.cloudInit.networkDataSecretRef", cloudInit.NetworkData, cloudInit.NetworkDataSecretRef, DefaultNetworkDataKey, ns, secrets, ct);
        return new SeedFiles(userData ?? string.Empty, networkData);
    }

    private static async Task<string?> ReadAsync(string field, string? inline, SecretKeyRef? secretRef, string defaultKey, string ns, ISecretReader? secrets, CancellationToken ct)
    {
        if (secretRef is null)
        {
            return inline;
        }

        var key = string.IsNullOrEmpty(secretRef.Key) ? defaultKey : secretRef.Key;
        if (secrets is null)
        {
            throw new CloudInitUnavailableException($"{field}: this agent cannot read Secrets");
        }

        var data = await secrets.ReadAsync(ns, secretRef.Name, ct)
            ?? throw new CloudInitUnavailableException($"{field}: Secret {ns}/{secretRef.Name} does not exist; create it (key {key}) and the VM starts");
        return data.TryGetValue(key, out var bytes)
            ? Encoding.UTF8.GetString(bytes)
            : throw new CloudInitUnavailableException($"{field}: Secret {ns}/{secretRef.Name} has no key {key} (it has: {(data.Count == 0 ? "none" : string.Join(", ", data.Keys.Order(StringComparer.Ordinal)))})");
    }
}
