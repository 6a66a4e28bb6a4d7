using k8s;
using k8s.Models;

namespace NumaOperator.ControllerRuntime;

/// <summary>List and watch of core/v1 ResourceQuotas, all namespaces.</summary>
public sealed class ResourceQuotaApi(IKubernetes client) : IResourceApi<V1ResourceQuota>
{
    public async Task<(IReadOnlyList<V1ResourceQuota> Items, string ResourceVersion)> ListAsync(CancellationToken ct)
    {
        var list = await client.CoreV1.ListResourceQuotaForAllNamespacesAsync(cancellationToken: ct);
        return ([.. list.Items], list.Metadata.ResourceVersion);
    }

    public IAsyncEnumerable<(WatchEventType Type, V1ResourceQuota Item)> WatchAsync(string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken ct) =>
        client.CoreV1.WatchListResourceQuotaForAllNamespacesAsync(
            allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct);
}
