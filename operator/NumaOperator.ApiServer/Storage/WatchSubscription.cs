using System.Threading.Channels;

namespace NumaOperator.ApiServer.Storage;

/// <summary>
/// One watcher's queue of changes of one resource (optionally one namespace, optionally filtered). A watcher that
/// falls more than <see cref="MaxPending"/> events behind is closed, as the real server closes slow watchers.
/// </summary>
public sealed class WatchSubscription : IDisposable
{
    public const int MaxPending = 100_000;

    private readonly Channel<StoredEvent> channel = Channel.CreateUnbounded<StoredEvent>();
    private readonly Action<WatchSubscription> unsubscribe;

    internal WatchSubscription(string resource, string? ns, Func<StoredObject, bool> filter, Action<WatchSubscription> unsubscribe)
    {
        Resource = resource;
        Namespace = ns;
        Filter = filter;
        this.unsubscribe = unsubscribe;
    }

    public string Resource { get; }

    public string? Namespace { get; }

    public Func<StoredObject, bool> Filter { get; }

    public ChannelReader<StoredEvent> Events => channel.Reader;

    /// <summary>Queues the change as this watcher sees it: through its filter applied before and after the change.</summary>
    internal void Deliver(StoredEvent change)
    {
        // Resource, namespace and name never change with an update; only the filter (labels) needs both states.
        if (change.Stored.Resource == Resource && (Namespace is null || change.Stored.Namespace == Namespace)
            && WatchSelection.Select(change, Filter) is { } seen)
        {
            Offer(seen);
        }
    }

    internal void Offer(StoredEvent change)
    {
        if (channel.Reader.Count >= MaxPending)
        {
            channel.Writer.TryComplete();
            return;
        }

        channel.Writer.TryWrite(change);
    }

    /// <summary>Ends the stream (fault injection, server stop); the watcher sees a clean end and re-lists or resumes.</summary>
    public void Close() => channel.Writer.TryComplete();

    public void Dispose()
    {
        channel.Writer.TryComplete();
        unsubscribe(this);
    }
}
