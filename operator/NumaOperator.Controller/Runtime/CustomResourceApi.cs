using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;

namespace NumaOperator.Controller.Runtime;

/// <summary>List and watch of a custom resource across all namespaces through KubernetesClient's CustomObjects API.</summary>
public sealed class CustomResourceApi<T, TList>(IKubernetes client, string group, string version, string plural) : IResourceApi<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
    where TList : IItems<T>, IMetadata<V1ListMeta>
{
    public async Task<(IReadOnlyList<T> Items, string ResourceVersion)> ListAsync(CancellationToken ct)
    {
        var list = await client.CustomObjects.ListClusterCustomObjectAsync<TList>(group, version, plural, cancellationToken: ct);
        return ([.. list.Items], list.Metadata.ResourceVersion);
    }

    public async IAsyncEnumerable<(WatchEventType Type, T Item)> WatchAsync(
        string resourceVersion, int timeoutSeconds, Action<Exception> onError, [EnumeratorCancellation] CancellationToken ct)
    {
        var events = client.CustomObjects.WatchListClusterCustomObjectAsync(
            group, version, plural, allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds,
            onError: onError, cancellationToken: ct);
        await foreach (var (type, raw) in events.WithCancellation(ct))
        {
            yield return (type, KubernetesJson.Deserialize<T>(raw.ToString()!));
        }
    }
}
