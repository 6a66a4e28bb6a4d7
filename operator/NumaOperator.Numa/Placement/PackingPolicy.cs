namespace NumaOperator.Numa.Placement;

/// <summary>
/// How the engine chooses among the nodes that fit a VM (feasibility is the same for every policy).
/// </summary>
/// <remarks>
/// A node's allocation is measured on what the VM asks for: the fraction of its usable CPUs that are free plus the
/// fraction of its pages of the VM's page size that are free (kube-scheduler's NodeResourcesFit scoring, CPU and
/// the hugepage resource weighted 1:1), computed as it would be after placing the VM.
/// </remarks>
public enum PackingPolicy
{
    /// <summary>
    /// Keep idle nodes idle, and fill the nodes in use evenly: a VM goes to a node that already holds a VM whenever one
    /// fits, the least allocated of them, and within it to the host NUMA nodes with the most free pages; only when
    /// none fits does an idle node take it, the largest first (lowest name among equals). Uses as few nodes as the
    /// VMs need (as Pack), while the nodes in use fill with an even mix of VMs, so no CPU or page pool strands while
    /// another runs out (as Spread): on a fleet too small for all VMs it places more than either. The default.
    /// </summary>
    Consolidate,

    /// <summary>
    /// Fill the most allocated node that fits, and within it the host NUMA nodes left with the fewest free pages
    /// (kube-scheduler's MostAllocated; OpenStack Nova's packing_host_numa_cells_allocation_strategy = True). Keeps
    /// whole nodes and large holes free for large VMs and leaves idle nodes idle.
    /// </summary>
    Pack,

    /// <summary>
    /// Put the VM on the least allocated node that fits, and within it on the host NUMA nodes with the most free pages
    /// (kube-scheduler's LeastAllocated; Nova's packing_host_numa_cells_allocation_strategy = False). Spreads load and
    /// the blast radius of a node failure at the cost of fragmenting every node.
    /// </summary>
    Spread,

    /// <summary>
    /// The tightest fitting host NUMA node anywhere in the cluster, whatever its node's load (this engine's only
    /// policy before packing policies existed): best fit per NUMA node, blind to how full the rest of the node is.
    /// </summary>
    NumaBestFit,
}

/// <summary>The command-line and Helm spelling of <see cref="PackingPolicy"/>.</summary>
public static class PackingPolicies
{
    public const PackingPolicy Default = PackingPolicy.Consolidate;

    /// <summary>Accepted names, in the order help texts list them.</summary>
    public static readonly IReadOnlyList<string> Names = ["consolidate", "pack", "spread", "numa-best-fit"];

    public static string NameOf(PackingPolicy policy) => policy switch
    {
        PackingPolicy.Consolidate => "consolidate",
        PackingPolicy.Pack => "pack",
        PackingPolicy.Spread => "spread",
        PackingPolicy.NumaBestFit => "numa-best-fit",
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, "unknown packing policy"),
    };

    /// <summary>The policy named <paramref name="name"/> (case-insensitive), or false when no policy has that name.</summary>
    public static bool TryParse(string? name, out PackingPolicy policy)
    {
        foreach (var candidate in Enum.GetValues<PackingPolicy>())
        {
            if (string.Equals(NameOf(candidate), name, StringComparison.OrdinalIgnoreCase))
            {
                policy = candidate;
                return true;
            }
        }

        policy = Default;
        return false;
    }
}
