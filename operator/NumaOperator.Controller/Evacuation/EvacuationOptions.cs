namespace NumaOperator.Controller.Evacuation;

/// <summary>
/// The PodDisruptionBudget-like limits of node evacuation (the controller's --parallel-migrations-per-cluster and
/// --parallel-outbound-migrations-per-node, KubeVirt's names). KubeVirt's defaults are 5 and 2; ours are 2 and 1
/// because a migration costs a second copy of the VM's memory on the target and CPU for the stream, and our nodes
/// are small hosts.
/// </summary>
public sealed record EvacuationOptions
{
    public const int DefaultParallelPerCluster = 2;
    public const int DefaultParallelOutboundPerNode = 1;

    /// <summary>At most this many migrations (of any origin) run at once in the cluster before an evacuation adds one.</summary>
    public int ParallelMigrationsPerCluster { get; init; } = DefaultParallelPerCluster;

    /// <summary>At most this many migrations leave one node at once.</summary>
    public int ParallelOutboundMigrationsPerNode { get; init; } = DefaultParallelOutboundPerNode;

    /// <summary>Wait after a VM's first failed evacuation migration; doubled after each further failure.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Migrations tried per VM and evacuation; after that many failures the VM is reported blocked.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Why a limit is unusable, naming the flag; null when every limit is usable.</summary>
    public string? Problem() =>
        ParallelMigrationsPerCluster < 1 ? $"--parallel-migrations-per-cluster: {ParallelMigrationsPerCluster} is not allowed; must be a whole number >= 1"
        : ParallelOutboundMigrationsPerNode < 1 ? $"--parallel-outbound-migrations-per-node: {ParallelOutboundMigrationsPerNode} is not allowed; must be a whole number >= 1"
        : null;
}
