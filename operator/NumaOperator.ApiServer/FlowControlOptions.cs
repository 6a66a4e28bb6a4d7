namespace NumaOperator.ApiServer;

/// <summary>
/// How many requests of the kubeconfig identity (every client but the in-process ones) run at once, modelled on
/// kube-apiserver's --max-requests-inflight / --max-mutating-requests-inflight with API Priority and Fairness queuing:
/// past the seats a request waits in a FIFO queue; a full queue, or a wait past <see cref="QueueWait"/>, is 429 with
/// Retry-After. The loopback identity (controller, agent and the rest of this process) is exempt, as kube-apiserver
/// exempts its own loopback client (system:masters). Sized for one host: a seat is a thread-pool thread doing
/// CPU work, and the controller shares the same cores (docs/benchmarks.md measures a flood against placement).
/// </summary>
public sealed record FlowControlOptions
{
    /// <summary>Read-only requests (GET: get, list, discovery; the start of a watch) at once; kube-apiserver's default is 400 for a cluster's control plane.</summary>
    public int MaxRequestsInflight { get; init; } = 8;

    /// <summary>Writes (POST, PUT, PATCH, DELETE) at once; kube-apiserver's default is 200.</summary>
    public int MaxMutatingRequestsInflight { get; init; } = 4;

    /// <summary>Requests that may wait for a seat, per kind (read-only, mutating); APF's default queueLengthLimit is 50.</summary>
    public int QueueLength { get; init; } = 50;

    /// <summary>How long a queued request waits for a seat before 429; APF waits up to a quarter of the 60 s request timeout.</summary>
    public TimeSpan QueueWait { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Open watches per identity; one more is 429 (kube-apiserver has no such cap; this server has one client identity).</summary>
    public int MaxWatchesPerClient { get; init; } = 100;

    /// <summary>The bad value, named, or null.</summary>
    internal string? Invalid() =>
        MaxRequestsInflight < 1 ? $"MaxRequestsInflight {MaxRequestsInflight}"
        : MaxMutatingRequestsInflight < 1 ? $"MaxMutatingRequestsInflight {MaxMutatingRequestsInflight}"
        : QueueLength < 0 ? $"QueueLength {QueueLength}"
        : QueueWait < TimeSpan.Zero ? $"QueueWait {QueueWait}"
        : MaxWatchesPerClient < 1 ? $"MaxWatchesPerClient {MaxWatchesPerClient}"
        : null;
}
