using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;

namespace NumaOperator.Numa.Placement;

/// <summary>One schedulable Kubernetes node as the placement engine sees it.</summary>
/// <param name="Name">Kubernetes node name (also the NumaNodeTopology name).</param>
/// <param name="Labels">The Node's labels, matched against spec.nodeSelector.</param>
/// <param name="Topology">Host NUMA facts published by the node's agent.</param>
/// <param name="ReservedCpus">NumaNodeTopology spec.reservedCpus: never given to VMs.</param>
public sealed record ClusterNode(
    string Name,
    IReadOnlyDictionary<string, string> Labels,
    HostTopology Topology,
    CpuSet ReservedCpus)
{
    /// <summary>What each accelerator runs on this node (status.qemu.accelerators); null when the topology carries no QEMU facts (constrains nothing).</summary>
    public IReadOnlyList<AcceleratorOffer>? Accelerators { get; init; }

    /// <summary>
    /// Why no new VM (and no migration target) may be placed here, e.g. "node is cordoned" or "node is being
    /// evacuated"; null when it may. The node stays in the snapshot, so the ledger still holds its VMs' placements,
    /// and the engine reports the reason in its kube-scheduler-style summary.
    /// </summary>
    public string? Unschedulable { get; init; }
}
