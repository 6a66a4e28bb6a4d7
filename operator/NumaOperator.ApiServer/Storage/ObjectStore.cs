using System.Text.Json;
using System.Text.Json.Nodes;
using NumaOperator.ApiServer.Json;

namespace NumaOperator.ApiServer.Storage;

/// <summary>
/// All objects of all resources in memory, written through to <see cref="IPersistence"/>, with one global
/// monotonically increasing resourceVersion and a bounded ring of recent changes for watches.
/// Every read-modify-write runs inside <see cref="Atomically{T}"/>, so handlers see no interleaving.
/// </summary>
public sealed class ObjectStore : IDisposable
{
    private readonly object gate = new();
    private readonly Dictionary<string, Dictionary<(string Namespace, string Name), StoredObject>> objects = new(StringComparer.Ordinal);
    private readonly IPersistence persistence;
    private readonly StoredEvent?[] history;
    private readonly List<WatchSubscription> watchers = [];
    private int historyHead;
    private int historyCount;
    private long resourceVersion;

    /// <summary>Every change with a resourceVersion above this is still in <see cref="history"/>.</summary>
    private long historyStart;

    public ObjectStore(IPersistence persistence, int historyCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(historyCapacity, 1);
        this.persistence = persistence;
        history = new StoredEvent?[historyCapacity];
        var (rv, loaded) = persistence.Load();
        foreach (var obj in loaded)
        {
            Table(obj.Resource)[(obj.Namespace, obj.Name)] = obj;
            rv = Math.Max(rv, obj.ResourceVersion);
        }

        resourceVersion = rv;
        historyStart = rv;
    }

    public long ResourceVersion
    {
        get
        {
            lock (gate)
            {
                return resourceVersion;
            }
        }
    }

    /// <summary>The storage keys of every resource that has (or had) objects.</summary>
    public IReadOnlyList<string> Resources()
    {
        lock (gate)
        {
            return objects.Keys.ToList();
        }
    }

    public T Atomically<T>(Func<T> action)
    {
        lock (gate)
        {
            return action();
        }
    }

    public StoredObject? Get(string resource, string ns, string name)
    {
        lock (gate)
        {
            return objects.TryGetValue(resource, out var table) && table.TryGetValue((ns, name), out var obj) ? obj : null;
        }
    }

    /// <summary>The objects of a resource (in one namespace, or all when null) and the resourceVersion they are current at.</summary>
    public (IReadOnlyList<StoredObject> Items, long ResourceVersion) List(string resource, string? ns, Func<StoredObject, bool>? filter = null)
    {
        lock (gate)
        {
            var items = objects.TryGetValue(resource, out var table)
                ? table.Values.Where(o => (ns is null || o.Namespace == ns) && (filter is null || filter(o)))
                    .OrderBy(o => o.Namespace, StringComparer.Ordinal).ThenBy(o => o.Name, StringComparer.Ordinal).ToList()
                : [];
            return (items, resourceVersion);
        }
    }

    /// <summary>
    /// A page of the objects of a resource as they were at <paramref name="atResourceVersion"/> (null: now), for a
    /// paged list that stays consistent across its pages: the current objects with every retained change after that
    /// version rolled back. A version older than the retained history is <see cref="ResourceVersionTooOldException"/>
    /// (as an etcd compaction makes a continue token expire).
    /// </summary>
    public ListPage ListPage(string resource, string? ns, Func<StoredObject, bool> filter, long? atResourceVersion, Func<StoredObject, bool>? startsAt, int? limit)
    {
        lock (gate)
        {
            var at = atResourceVersion ?? resourceVersion;
            if (at < historyStart || at > resourceVersion)
            {
                throw new ResourceVersionTooOldException(at, historyStart);
            }

            return ListPaging.Page(ObjectsAt(resource, at), ns, filter, startsAt, limit, at);
        }
    }

    /// <summary>Stores a created or updated object under the next resourceVersion, which is written into its metadata.</summary>
    public StoredObject Put(string resource, string ns, string name, JsonObject obj, ChangeType type)
    {
        lock (gate)
        {
            var table = Table(resource);
            var previous = table.GetValueOrDefault((ns, name));
            var stored = Stamp(resource, ns, name, obj);
            persistence.Save(stored);
            table[(ns, name)] = stored;
            Publish(new StoredEvent(type, stored, previous));
            return stored;
        }
    }

    /// <summary>Removes an object; its last state gets a new resourceVersion, as the DELETED event of the real server carries.</summary>
    public StoredObject Remove(string resource, string ns, string name, JsonObject lastState)
    {
        lock (gate)
        {
            var table = Table(resource);
            var previous = table.GetValueOrDefault((ns, name));
            var stored = Stamp(resource, ns, name, lastState);
            persistence.Delete(stored);
            table.Remove((ns, name));
            Publish(new StoredEvent(ChangeType.Deleted, stored, previous));
            return stored;
        }
    }

    /// <summary>
    /// Starts a watch. <paramref name="sinceResourceVersion"/> null: the current objects arrive first as ADDED events;
    /// otherwise every retained change after it (judged against the filter as when it happened: <see cref="WatchSelection"/>),
    /// or <see cref="ResourceVersionTooOldException"/> when it is older than the history.
    /// </summary>
    public WatchSubscription Watch(string resource, string? ns, long? sinceResourceVersion, Func<StoredObject, bool> filter)
    {
        lock (gate)
        {
            if (sinceResourceVersion is { } since && since < historyStart)
            {
                throw new ResourceVersionTooOldException(since, historyStart);
            }

            var subscription = new WatchSubscription(resource, ns, filter, Unsubscribe);
            if (sinceResourceVersion is { } from)
            {
                for (var i = 0; i < historyCount; i++)
                {
                    var change = history[(historyHead + i) % history.Length]!;
                    if (change.Stored.ResourceVersion > from)
                    {
                        subscription.Deliver(change);
                    }
                }
            }
            else
            {
                foreach (var obj in List(resource, ns, filter).Items)
                {
                    subscription.Offer(new StoredEvent(ChangeType.Added, obj));
                }
            }

            watchers.Add(subscription);
            return subscription;
        }
    }

    /// <summary>Closes every open watch stream (fault injection).</summary>
    public int CloseAllWatches()
    {
        lock (gate)
        {
            foreach (var watcher in watchers)
            {
                watcher.Close();
            }

            return watchers.Count;
        }
    }

    public void Dispose()
    {
        CloseAllWatches();
        persistence.Dispose();
    }

    /// <summary>The objects of a resource at <paramref name="at"/>: each one changed since keeps the state its first later change replaced.</summary>
    private IEnumerable<StoredObject> ObjectsAt(string resource, long at)
    {
        var current = objects.GetValueOrDefault(resource);
        var before = new Dictionary<(string Namespace, string Name), StoredObject?>();
        for (var i = 0; i < historyCount && at < resourceVersion; i++)
        {
            var change = history[(historyHead + i) % history.Length]!;
            if (change.Stored.ResourceVersion > at && change.Stored.Resource == resource)
            {
                before.TryAdd((change.Stored.Namespace, change.Stored.Name), change.Previous);
            }
        }

        var unchanged = current?.Where(p => !before.ContainsKey(p.Key)).Select(p => p.Value) ?? [];
        return [.. unchanged, .. before.Values.OfType<StoredObject>()];
    }

    private StoredObject Stamp(string resource, string ns, string name, JsonObject obj)
    {
        var rv = resourceVersion + 1;
        if (obj["metadata"] is not JsonObject metadata)
        {
            obj["metadata"] = metadata = [];
        }

        metadata["resourceVersion"] = rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var json = JsonOutput.Utf8(obj);
        resourceVersion = rv;
        return new StoredObject(resource, ns, name, rv, json, SqlitePersistence.LabelsOf(json));
    }

    private void Publish(StoredEvent change)
    {
        if (historyCount == history.Length)
        {
            historyStart = history[historyHead]!.Stored.ResourceVersion;
            historyHead = (historyHead + 1) % history.Length;
            historyCount--;
        }

        history[(historyHead + historyCount) % history.Length] = change;
        historyCount++;
        foreach (var watcher in watchers)
        {
            watcher.Deliver(change);
        }
    }

    private void Unsubscribe(WatchSubscription subscription)
    {
        lock (gate)
        {
            watchers.Remove(subscription);
        }
    }

    private Dictionary<(string Namespace, string Name), StoredObject> Table(string resource)
    {
        if (!objects.TryGetValue(resource, out var table))
        {
            objects[resource] = table = [];
        }

        return table;
    }
}
