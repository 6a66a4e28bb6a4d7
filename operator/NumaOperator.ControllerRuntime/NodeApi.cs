using k8s;
using k8s.Models;

namespace NumaOperator.ControllerRuntime;

/// <summary>List and watch of core/v1 Nodes.</summary>
public sealed class NodeApi(IKubernetes client) : IResourceApi<V1Node>
{
    public async Task<(IReadOnlyList<V1Node> Items, string ResourceVersion)> ListAsync(CancellationToken ct)
    {
        var list = await client.CoreV1.ListNodeAsync(cancellationToken: ct);
        return ([.. list.Items], list.Metadata.ResourceVersion);
    }

    public IAsyncEnumerable<(WatchEventType Type, V1Node Item)> WatchAsync(string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken ct)
    {
        return client.CoreV1.WatchListNodeAsync(
            allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct);
    }
}
