using NumaOperator.Numa.Quantities;

namespace NumaOperator.Numa.Placement;

/// <summary>Where one guest NUMA node lives on the host.</summary>
/// <param name="Vcpus">Guest vCPU indexes of this guest node.</param>
/// <param name="HostCpus">Host CPUs pinned to those vCPUs (same order) when dedicated; empty when the VM floats on shared CPUs.</param>
/// <param name="MemoryBytes">Guest RAM of this guest node, all on <paramref name="HostNode"/>.</param>
public sealed record GuestNodePlacement(int GuestNode, int HostNode, CpuSet Vcpus, CpuSet HostCpus, long MemoryBytes);

/// <summary>
/// The scheduling decision for one VM: a Kubernetes node and, per guest NUMA node, a host NUMA node and CPUs, plus
/// how QEMU runs it there (accelerator, CPU model, memory policy): everything the node's agent needs to launch it.
/// </summary>
public sealed record VmPlacement(string NodeName, PageSize PageSize, IReadOnlyList<GuestNodePlacement> GuestNodes)
{
    /// <summary>The accelerator chosen for this node; null for a placement recorded before accelerators were scheduled (the agent then takes the best it has).</summary>
    public Accelerator? Accelerator { get; init; }

    /// <summary>spec.cpu.model as placed.</summary>
    public string CpuModel { get; init; } = AcceleratorNames.HostModel;

    /// <summary>spec.numa.policy as placed: how each memory backend is bound to its host node.</summary>
    public NumaPolicy Policy { get; init; } = NumaPolicy.Strict;

    public CpuSet HostNodes => CpuSet.Of(GuestNodes.Select(g => g.HostNode));

    public CpuSet PinnedCpus => GuestNodes.Aggregate(CpuSet.Empty, (acc, g) => acc.Union(g.HostCpus));

    public long MemoryBytes => GuestNodes.Sum(g => g.MemoryBytes);
}
