namespace NumaOperator.ApiServer.Faults;

/// <summary>
/// Faults a test turns on at run time to exercise clients' retry paths: 409 Conflict on writes, 500 on any request,
/// watch streams closed right after they start, and added latency. Counts are spent first, then probabilities apply.
/// Thread-safe; all off by default.
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock gate = new();
    private readonly Random random;
    private int conflictCount;
    private int errorCount;
    private int dropWatchCount;

    public FaultInjector(int? seed = null) => random = seed is { } s ? new Random(s) : new Random();

    /// <summary>Probability (0..1) that a write (POST, PUT, PATCH, DELETE) fails with 409 Conflict.</summary>
    public double ConflictProbability { get; set; }

    /// <summary>Probability (0..1) that any API request fails with 500 InternalError.</summary>
    public double ErrorProbability { get; set; }

    /// <summary>Probability (0..1) that a watch stream is closed right after it starts.</summary>
    public double DropWatchProbability { get; set; }

    /// <summary>Delay added before every API request is handled.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Counts the injected faults of every kind, for assertions.</summary>
    public int Injected => InjectedConflicts + InjectedErrors + DroppedWatches;

    /// <summary>Writes answered with an injected 409 Conflict.</summary>
    public int InjectedConflicts { get; private set; }

    /// <summary>Requests answered with an injected 500.</summary>
    public int InjectedErrors { get; private set; }

    /// <summary>Watch streams closed right after they started.</summary>
    public int DroppedWatches { get; private set; }

    /// <summary>The next <paramref name="count"/> writes fail with 409 Conflict.</summary>
    public void FailNextWritesWithConflict(int count) => Set(ref conflictCount, count);

    /// <summary>The next <paramref name="count"/> requests fail with 500.</summary>
    public void FailNextRequests(int count) => Set(ref errorCount, count);

    /// <summary>The next <paramref name="count"/> watches are closed right after they start.</summary>
    public void DropNextWatches(int count) => Set(ref dropWatchCount, count);

    public void Reset()
    {
        lock (gate)
        {
            conflictCount = errorCount = dropWatchCount = 0;
            ConflictProbability = ErrorProbability = DropWatchProbability = 0;
            Latency = TimeSpan.Zero;
        }
    }

    internal bool ShouldConflict()
    {
        lock (gate)
        {
            var hit = Draw(ref conflictCount, ConflictProbability);
            InjectedConflicts += hit ? 1 : 0;
            return hit;
        }
    }

    internal bool ShouldFail()
    {
        lock (gate)
        {
            var hit = Draw(ref errorCount, ErrorProbability);
            InjectedErrors += hit ? 1 : 0;
            return hit;
        }
    }

    internal bool ShouldDropWatch()
    {
        lock (gate)
        {
            var hit = Draw(ref dropWatchCount, DropWatchProbability);
            DroppedWatches += hit ? 1 : 0;
            return hit;
        }
    }

    private void Set(ref int counter, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (gate)
        {
            counter = count;
        }
    }

    /// <summary>Spends one of the counted faults, else draws against the probability; call under <see cref="gate"/>.</summary>
    private bool Draw(ref int counter, double probability)
    {
        var hit = counter > 0 || (probability > 0 && random.NextDouble() < probability);
        if (counter > 0)
        {
            counter--;
        }

        return hit;
    }
}
