namespace NumaOperator.ApiServer.Http.FlowControl;

/// <summary>
/// A fixed number of seats with a bounded FIFO queue in front (APF's queue, without shuffle sharding: the level this
/// guards has one flow). A request takes a free seat, or waits in the queue up to the wait limit; a full queue
/// or an expired wait is a rejection (429).
/// </summary>
public sealed class SeatPool : IDisposable
{
    private readonly SemaphoreSlim free;
    private readonly int queueLength;
    private readonly TimeSpan queueWait;
    private int waiting;
    private long rejected;

    public SeatPool(int seats, int queueLength, TimeSpan queueWait)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seats, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(queueLength);
        free = new SemaphoreSlim(seats, seats);
        Seats = seats;
        this.queueLength = queueLength;
        this.queueWait = queueWait;
    }

    public int Seats { get; }

    /// <summary>Seats taken now.</summary>
    public int InUse => Seats - free.CurrentCount;

    /// <summary>Requests waiting for a seat now.</summary>
    public int Waiting => Volatile.Read(ref waiting);

    /// <summary>Requests turned away since start (queue full or waited too long).</summary>
    public long Rejected => Interlocked.Read(ref rejected);

    /// <summary>A seat to release when the request is done, or null: answer 429.</summary>
    public async Task<IDisposable?> TryTakeAsync(CancellationToken ct)
    {
        if (free.Wait(0, CancellationToken.None))
        {
            return new Seat(free);
        }

        if (Interlocked.Increment(ref waiting) > queueLength)
        {
            Interlocked.Decrement(ref waiting);
            Interlocked.Increment(ref rejected);
            return null;
        }

        try
        {
            // SemaphoreSlim hands a released seat to its oldest async waiter: the queue is FIFO.
            if (await free.WaitAsync(queueWait, ct))
            {
                return new Seat(free);
            }

            Interlocked.Increment(ref rejected);
            return null;
        }
        finally
        {
            Interlocked.Decrement(ref waiting);
        }
    }

    public void Dispose() => free.Dispose();

    private sealed class Seat(SemaphoreSlim free) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                free.Release();
            }
        }
    }
}
