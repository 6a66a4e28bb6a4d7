namespace NumaOperator.ControllerRuntime;

/// <summary>
/// Level-triggered reconciliation: given a key, read the current state (caches, API), act towards the desired
/// state and say when to look again. An exception means "retry with backoff".
/// </summary>
public interface IReconciler
{
    Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct);
}

/// <summary>The outcome of one reconcile: done, or look again after <see cref="RequeueAfter"/>.</summary>
public readonly record struct ReconcileResult(TimeSpan? RequeueAfter)
{
    public static ReconcileResult Done => default;

    public static ReconcileResult After(TimeSpan delay) => new(delay);
}
