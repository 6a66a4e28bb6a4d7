using k8s;
using k8s.Models;

namespace NumaOperator.ControllerRuntime;

/// <summary>List and watch of core/v1 Pods, all namespaces.</summary>
public sealed class PodApi(IKubernetes client) : IResourceApi<V1Pod>
{
    public async Task<(IReadOnlyList<V1Pod> Items, string ResourceVersion)> ListAsync(CancellationToken ct)
    {
        var list = await client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct);
        return ([.. list.Items], list.Metadata.ResourceVersion);
    }

    public IAsyncEnumerable<(WatchEventType Type, V1Pod Item)> WatchAsync(string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken ct) =>
        client.CoreV1.WatchListPodForAllNamespacesAsync(
            allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct);
}
