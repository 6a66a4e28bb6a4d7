namespace NumaOperator.ApiServer.Http.FlowControl;

/// <summary>Open watches per identity, capped: each watch holds a connection and is offered every change of its resource.</summary>
public sealed class WatchQuota(int maxPerClient)
{
    private readonly Lock gate = new();
    private readonly Dictionary<ClientIdentity, int> open = [];
    private long rejected;

    public int MaxPerClient { get; } = maxPerClient;

    /// <summary>Watches turned away since start.</summary>
    public long Rejected => Interlocked.Read(ref rejected);

    public int Open(ClientIdentity identity)
    {
        lock (gate)
        {
            return open.GetValueOrDefault(identity);
        }
    }

    /// <summary>A slot to release when the watch ends, or null when <paramref name="identity"/> has its maximum open.</summary>
    public IDisposable? TryOpen(ClientIdentity identity)
    {
        lock (gate)
        {
            var count = open.GetValueOrDefault(identity);
            if (count >= MaxPerClient)
            {
                Interlocked.Increment(ref rejected);
                return null;
            }

            open[identity] = count + 1;
            return new Slot(this, identity);
        }
    }

    private void Close(ClientIdentity identity)
    {
        lock (gate)
        {
            open[identity] = open.GetValueOrDefault(identity) - 1;
        }
    }

    private sealed class Slot(WatchQuota quota, ClientIdentity identity) : IDisposable
    {
        private int closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref closed, 1) == 0)
            {
                quota.Close(identity);
            }
        }
    }
}
