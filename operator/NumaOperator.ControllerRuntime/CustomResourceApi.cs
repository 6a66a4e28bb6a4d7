using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;

namespace NumaOperator.ControllerRuntime;

/// <summary>
/// List and watch of a custom resource across all namespaces through KubernetesClient's CustomObjects API, limited
/// on the server by <paramref name="labelSelector"/> when one is given: an agent watches only the VMs labelled
/// numaoperator.io/node=its node, the controller the whole cluster's.
/// </summary>
public sealed class CustomResourceApi<T, TList>(IKubernetes client, string group, string version, string plural, string? labelSelector = null) : IResourceApi<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
    where TList : IItems<T>, IMetadata<V1ListMeta>
{
    /// <summary>The server-side label selector, null for every object.</summary>
    public string? LabelSelector => labelSelector;

    public async Task<(IReadOnlyList<T> Items, string ResourceVersion)> ListAsync(CancellationToken ct)
    {
        var list = await client.CustomObjects.ListClusterCustomObjectAsync<TList>(group, version, plural, labelSelector: labelSelector, cancellationToken: ct);
        return ([.. list.Items], list.Metadata.ResourceVersion);
    }

    public async IAsyncEnumerable<(WatchEventType Type, T Item)> WatchAsync(
        string resourceVersion, int timeoutSeconds, Action<Exception> onError, [EnumeratorCancellation] CancellationToken ct)
    {
        var events = client.CustomObjects.WatchListClusterCustomObjectAsync(
            group, version, plural, allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion,
            timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: ct);
        await foreach (var (type, raw) in events.WithCancellation(ct))
        {
            yield return (type, RawObject.Decode<T>(raw));
        }
    }
}
