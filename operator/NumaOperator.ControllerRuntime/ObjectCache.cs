using k8s;
using k8s.Models;

namespace NumaOperator.ControllerRuntime;

/// <summary>
/// An informer's local copy of one resource: by namespace/name (or name for cluster-scoped objects) and by label.
/// Thread-safe. Numeric resourceVersions (the embedded server's and etcd's) let a newer object written by the
/// controller itself win over an older watch event still on its way.
/// </summary>
public sealed class ObjectCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, T> byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Key, string Value), HashSet<string>> byLabel = [];

    public int Count
    {
        get
        {
            lock (gate)
            {
                return byKey.Count;
            }
        }
    }

    public T? Get(string key)
    {
        lock (gate)
        {
            return byKey.GetValueOrDefault(key);
        }
    }

    public IReadOnlyList<T> List()
    {
        lock (gate)
        {
            return [.. byKey.Values];
        }
    }

    public IReadOnlyList<string> Keys()
    {
        lock (gate)
        {
            return [.. byKey.Keys];
        }
    }

    public IReadOnlyList<T> ByLabel(string key, string value)
    {
        lock (gate)
        {
            return byLabel.TryGetValue((key, value), out var keys) ? [.. keys.Select(k => byKey[k])] : [];
        }
    }

    /// <summary>
    /// Stores the object unless the cache already holds this version or a newer one; returns whether it was stored.
    /// The same resourceVersion is the same object: the watch echo of a write the controller already stored after
    /// writing it is not a change (and so queues no second reconcile).
    /// </summary>
    public bool Upsert(T obj, out T? previous)
    {
        var key = ObjectKey.Of(obj);
        lock (gate)
        {
            previous = byKey.GetValueOrDefault(key);
            if (previous is not null
                && (IsOlder(obj.Metadata.ResourceVersion, previous.Metadata.ResourceVersion)
                    || (obj.Metadata.ResourceVersion is { Length: > 0 } version && version == previous.Metadata.ResourceVersion)))
            {
                return false;
            }

            if (previous is not null)
            {
                Unindex(key, previous);
            }

            byKey[key] = obj;
            foreach (var label in obj.Metadata.Labels ?? new Dictionary<string, string>())
            {
                if (!byLabel.TryGetValue((label.Key, label.Value), out var keys))
                {
                    byLabel[(label.Key, label.Value)] = keys = new HashSet<string>(StringComparer.Ordinal);
                }

                keys.Add(key);
            }

            return true;
        }
    }

    public T? Remove(string key)
    {
        lock (gate)
        {
            if (!byKey.Remove(key, out var removed))
            {
                return null;
            }

            Unindex(key, removed);
            return removed;
        }
    }

    private static bool IsOlder(string? candidate, string? current) =>
        long.TryParse(candidate, out var a) && long.TryParse(current, out var b) && a < b;

    private void Unindex(string key, T obj)
    {
        foreach (var label in obj.Metadata.Labels ?? new Dictionary<string, string>())
        {
            if (byLabel.TryGetValue((label.Key, label.Value), out var keys) && keys.Remove(key) && keys.Count == 0)
            {
                byLabel.Remove((label.Key, label.Value));
            }
        }
    }
}
