using NumaOperator.Numa.Quantities;

namespace NumaOperator.Numa.Placement;

/// <summary>Where one guest NUMA node lives on the host.</summary>
/// <param name="Vcpus">Guest vCPU indexes of this guest node.</param>
/// <param name="HostCpus">Host CPUs pinned to those vCPUs (same order) when dedicated; empty when the VM floats on shared CPUs.</param>
/// <param name="MemoryBytes">Guest RAM of this guest node, all on <paramref name="HostNode"/>.</param>
public sealed record GuestNodePlacement(int GuestNode, int HostNode, CpuSet Vcpus, CpuSet HostCpus, long MemoryBytes);

/// <summary>The scheduling decision for one VM: a Kubernetes node and, per guest NUMA node, a host NUMA node and CPUs.</summary>
public sealed record VmPlacement(string NodeName, PageSize PageSize, IReadOnlyList<GuestNodePlacement> GuestNodes)
{
    public CpuSet HostNodes => CpuSet.Of(GuestNodes.Select(g => g.HostNode));

    public CpuSet PinnedCpus => GuestNodes.Aggregate(CpuSet.Empty, (acc, g) => acc.Union(g.HostCpus));

    public long MemoryBytes => GuestNodes.Sum(g => g.MemoryBytes);
}
