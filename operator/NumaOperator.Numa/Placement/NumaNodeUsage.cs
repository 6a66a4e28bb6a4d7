using NumaOperator.Numa.Quantities;

namespace NumaOperator.Numa.Placement;

/// <summary>One hugepage pool of a host NUMA node as the ledger sees it: what the pool offers and what placed VMs hold.</summary>
/// <param name="CapacityPages">nr_hugepages as the node's agent published it.</param>
/// <param name="PlacedPages">Pages promised to VMs placed there.</param>
public sealed record PoolUsage(PageSize PageSize, long CapacityPages, long PlacedPages)
{
    public long FreePages => CapacityPages - PlacedPages;
}

/// <summary>
/// How the ledger uses one host NUMA node. Every CPU of the node is in exactly one of: <see cref="Reserved"/>
/// (spec.reservedCpus, never given to VMs), <see cref="Dedicated"/> (pinned to one vCPU each), <see cref="Shared"/>
/// (usable, not pinned, on a NUMA node where vCPUs of non-dedicated VMs float) or <see cref="Free"/>.
/// </summary>
/// <param name="FloatingGuestNodes">Guest NUMA nodes of non-dedicated VMs living on this host NUMA node.</param>
public sealed record NumaNodeUsage(
    int Id,
    CpuSet Cpus,
    CpuSet Reserved,
    CpuSet Dedicated,
    CpuSet Shared,
    CpuSet Free,
    int FloatingGuestNodes,
    IReadOnlyList<PoolUsage> Hugepages);

/// <summary>Reads a node's <see cref="NumaNodeUsage"/> out of a ledger (gauges, pictures). Pure.</summary>
public static class LedgerUsage
{
    /// <summary>Per host NUMA node of <paramref name="nodeName"/>, in id order; empty when the ledger's snapshot lacks the node.</summary>
    public static IReadOnlyList<NumaNodeUsage> Of(PlacementLedger ledger, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var index = ledger.Snapshot.IndexOf(nodeName);
        if (index < 0)
        {
            return [];
        }

        var node = ledger.Snapshot.Nodes[index];
        var usage = new List<NumaNodeUsage>(node.Numa.Length);
        foreach (var numa in node.Numa.OrderBy(n => n.Id))
        {
            var reserved = new List<int>();
            var dedicated = new List<int>();
            var unpinned = new List<int>();
            for (var c = 0; c < numa.Cpus.Length; c++)
            {
                var list = numa.Reserved[c] ? reserved : ledger.IsPinnedAt(numa.Rank, c) ? dedicated : unpinned;
                list.Add(numa.Cpus[c]);
            }

            var floating = ledger.FloatingGuestNodesAt(numa.Rank);
            var pools = node.Source.Topology.Node(numa.Id)?.Hugepages ?? [];
            usage.Add(new NumaNodeUsage(
                numa.Id,
                CpuSet.Of(numa.Cpus),
                CpuSet.Of(reserved),
                CpuSet.Of(dedicated),
                floating > 0 ? CpuSet.Of(unpinned) : CpuSet.Empty,
                floating > 0 ? CpuSet.Empty : CpuSet.Of(unpinned),
                floating,
                [.. pools.Select(p => new PoolUsage(p.PageSize, ledger.CapacityPages(nodeName, numa.Id, p.PageSize), ledger.UsedPages(nodeName, numa.Id, p.PageSize)))]));
        }

        return usage;
    }
}
