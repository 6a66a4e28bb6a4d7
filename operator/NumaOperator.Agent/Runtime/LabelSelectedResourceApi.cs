using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using NumaOperator.Controller.Runtime;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// List and watch of a custom resource across all namespaces, limited by a label selector on the server: an agent
/// watches only the VMs labelled numaoperator.io/node=its node, not the whole cluster's.
/// </summary>
public sealed class LabelSelectedResourceApi<T, TList>(IKubernetes client, string group, string version, string plural, string labelSelector) : IResourceApi<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
    where TList : IItems<T>, IMetadata<V1ListMeta>
{
    public string LabelSelector => labelSelector;

    public async Task<(IReadOnlyList<T> Items, string ResourceVersion)> ListAsync(CancellationToken ct)
    {
        var listed = await client.CustomObjects.ListClusterCustomObjectAsync(group, version, plural, labelSelector: labelSelector, cancellationToken: ct);
        var list = KubernetesJson.Deserialize<TList>(listed.ToString()!);
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
            yield return (type, KubernetesJson.Deserialize<T>(raw.ToString()!));
        }
    }
}
