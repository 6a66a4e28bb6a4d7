using NumaOperator.Numa.Quantities;

namespace NumaOperator.Numa.Topology;

/// <summary>
/// One NUMA node of a host as the kernel reports it. A memory-only node (CXL, HBM) has no CPUs.
/// </summary>
/// <param name="Id">The kernel's node number (nodeN).</param>
/// <param name="Cpus">Online CPUs of the node.</param>
/// <param name="Cores">Physical cores: each entry is the online SMT siblings of one core, ordered by lowest CPU.</param>
/// <param name="MemoryBytes">MemTotal of the node.</param>
/// <param name="Hugepages">Hugepage pools by size, smallest page size first.</param>
/// <param name="Distances">SLIT distances from this node to every node, indexed by position in the host's node list.</param>
public sealed record HostNumaNode(
    int Id,
    CpuSet Cpus,
    IReadOnlyList<CpuSet> Cores,
    long MemoryBytes,
    IReadOnlyList<HugepagePool> Hugepages,
    IReadOnlyList<int> Distances)
{
    public bool IsMemoryOnly => Cpus.IsEmpty;

    public HugepagePool? Pool(PageSize pageSize) => Hugepages.FirstOrDefault(p => p.PageSize.Bytes == pageSize.Bytes);
}
