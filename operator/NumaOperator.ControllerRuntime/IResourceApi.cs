using k8s;
using k8s.Models;

namespace NumaOperator.ControllerRuntime;

/// <summary>List and watch of one resource, all namespaces: what an <see cref="Informer{T}"/> needs from the API server.</summary>
public interface IResourceApi<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Every object and the list's resourceVersion (where a following watch starts).</summary>
    Task<(IReadOnlyList<T> Items, string ResourceVersion)> ListAsync(CancellationToken ct);

    /// <summary>
    /// A watch from <paramref name="resourceVersion"/> with bookmarks, ended by the server after <paramref name="timeoutSeconds"/>.
    /// An error Status in the stream (e.g. 410 Gone) goes to <paramref name="onError"/>, not into the sequence.
    /// </summary>
    IAsyncEnumerable<(WatchEventType Type, T Item)> WatchAsync(string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken ct);
}
