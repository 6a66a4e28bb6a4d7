using k8s;
using k8s.Models;

namespace NumaOperator.ControllerRuntime;

/// <summary>
/// Tells a reconciler's own writes apart from other changes while those writes are in flight. The API server sends a
/// write's watch event about when it sends the response, often first; the informer then raises a change for a version
/// the writing reconcile already holds, and the key runs once more with nothing to do. In a burst of 1,000 VMs that
/// was over a third of the scheduling controller's reconciles. While a key's writes run, the changes queued under it
/// are held here. When the writes end, a held change whose resourceVersion one of those writes returned is dropped,
/// and any other change queues the key then, once. A change that arrives after the writes ended is not held: when
/// the writer put the written object into its cache (as the scheduling reconciler does with VMs), the informer raises
/// nothing for it; otherwise (its placeholder pods) the key runs once more.
/// </summary>
public sealed class OwnWrites(WorkQueue queue)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Writing> writing = new(StringComparer.Ordinal);

    /// <summary>Starts holding the changes queued under <paramref name="key"/>; dispose the scope when the writes are done.</summary>
    public Scope Begin(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (gate)
        {
            if (writing.TryGetValue(key, out var open))
            {
                open.Depth++;
            }
            else
            {
                writing[key] = new Writing();
            }
        }

        return new Scope(this, key);
    }

    /// <summary>
    /// An informer's change to <paramref name="changed"/>, which would queue <paramref name="key"/>: true when it is
    /// held (writes under the key are running), false when the caller queues the key as usual. Deletions are never
    /// held: no write of the reconciler returns one.
    /// </summary>
    public bool Hold<T>(string key, T changed, WatchEventType type)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(changed);
        if (type == WatchEventType.Deleted || Version(changed) is not { } version)
        {
            return false;
        }

        lock (gate)
        {
            if (!writing.TryGetValue(key, out var open))
            {
                return false;
            }

            open.Held.Add(version);
            return true;
        }
    }

    /// <summary>Kind and resourceVersion: versions need not be unique across kinds.</summary>
    private static string? Version<T>(T obj)
        where T : IKubernetesObject<V1ObjectMeta> =>
        obj.Metadata?.ResourceVersion is { Length: > 0 } version ? typeof(T).Name + "/" + version : null;

    private void Wrote<T>(string key, T written)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        if (Version(written) is not { } version)
        {
            return;
        }

        lock (gate)
        {
            if (writing.TryGetValue(key, out var open))
            {
                open.Written.Add(version);
            }
        }
    }

    private void End(string key)
    {
        bool foreign;
        lock (gate)
        {
            if (!writing.TryGetValue(key, out var open) || --open.Depth > 0)
            {
                return;
            }

            writing.Remove(key);
            foreign = !open.Held.IsSubsetOf(open.Written);
        }

        if (foreign)
        {
            queue.Add(key);
        }
    }

    /// <summary>The writes of one reconcile under one key.</summary>
    public sealed class Scope : IDisposable
    {
        private readonly OwnWrites owner;
        private readonly string key;
        private bool ended;

        internal Scope(OwnWrites owner, string key) => (this.owner, this.key) = (owner, key);

        /// <summary>Records what a write returned (null: nothing was written), so its watch event is dropped.</summary>
        public void Wrote<T>(T? written)
            where T : class, IKubernetesObject<V1ObjectMeta>
        {
            if (written is not null)
            {
                owner.Wrote(key, written);
            }
        }

        public void Dispose()
        {
            if (!ended)
            {
                ended = true;
                owner.End(key);
            }
        }
    }

    private sealed class Writing
    {
        public int Depth { get; set; } = 1;

        public HashSet<string> Held { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Written { get; } = new(StringComparer.Ordinal);
    }
}
