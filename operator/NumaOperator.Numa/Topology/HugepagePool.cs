using NumaOperator.Numa.Quantities;

namespace NumaOperator.Numa.Topology;

/// <summary>One hugepage pool of one host NUMA node (sysfs node/nodeN/hugepages/hugepages-SIZEkB).</summary>
/// <param name="Total">nr_hugepages: pages reserved in the pool.</param>
/// <param name="Free">free_hugepages: pages not mapped by anyone.</param>
/// <param name="Surplus">surplus_hugepages: overcommitted pages beyond nr_hugepages.</param>
public sealed record HugepagePool(PageSize PageSize, long Total, long Free, long Surplus = 0)
{
    /// <summary>
    /// Pages the scheduler may promise to VMs placed here; null: <see cref="Total"/>. The controller sets it to what is
    /// free plus what its placed, running VMs already hold (docs/architecture.md, "Capacity from free hugepages").
    /// </summary>
    public long? Schedulable { get; init; }
}
