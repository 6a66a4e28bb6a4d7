namespace NumaOperator.ApiServer.Http.FlowControl;

/// <summary>
/// Admits each request into its priority level: exempt requests run at once; the global-default level has separate
/// read-only and mutating seats (kube-apiserver's two in-flight limits) each with its queue, and a cap on open
/// watches per identity. A watch is long-running: like APF, it holds a read-only seat only while it starts (its
/// initial list), then only its watch slot.
/// </summary>
public sealed class FlowController : IDisposable
{
    public FlowController(FlowControlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ReadOnly = new SeatPool(options.MaxRequestsInflight, options.QueueLength, options.QueueWait);
        Mutating = new SeatPool(options.MaxMutatingRequestsInflight, options.QueueLength, options.QueueWait);
        Watches = new WatchQuota(options.MaxWatchesPerClient);
    }

    public SeatPool ReadOnly { get; }

    public SeatPool Mutating { get; }

    public WatchQuota Watches { get; }

    /// <summary>Everything turned away with 429 since start.</summary>
    public long Rejected => ReadOnly.Rejected + Mutating.Rejected + Watches.Rejected;

    /// <summary>The seat the request holds while it runs, or null: answer 429.</summary>
    public Task<IDisposable?> AdmitAsync(ClientIdentity identity, bool mutating, CancellationToken ct) =>
        RequestClassifier.LevelOf(identity) == PriorityLevel.Exempt
            ? Task.FromResult<IDisposable?>(NoSeat.Instance)
            : (mutating ? Mutating : ReadOnly).TryTakeAsync(ct);

    /// <summary>The watch slot held until the stream ends, or null: answer 429.</summary>
    public IDisposable? OpenWatch(ClientIdentity identity) =>
        RequestClassifier.LevelOf(identity) == PriorityLevel.Exempt ? NoSeat.Instance : Watches.TryOpen(identity);

    public void Dispose()
    {
        ReadOnly.Dispose();
        Mutating.Dispose();
    }

    private sealed class NoSeat : IDisposable
    {
        public static readonly NoSeat Instance = new();

        public void Dispose()
        {
        }
    }
}
