using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;

namespace NumaOperator.Qemu.Supervision;

/// <summary>Which host CPUs each QEMU thread may run on. Pure.</summary>
/// <param name="VcpuCpus">Guest vCPU index → allowed host CPUs (one CPU when dedicated).</param>
/// <param name="EmulatorCpus">Every other QEMU thread (main loop, I/O, RCU, TCG helpers).</param>
public sealed record PinningPlan(IReadOnlyDictionary<int, CpuSet> VcpuCpus, CpuSet EmulatorCpus)
{
    /// <summary>
    /// Dedicated vCPUs get their placed host CPU each; floating vCPUs get their guest node's host-node CPUs. The
    /// emulator threads get the placed nodes' CPUs that no vCPU of this VM holds, or, when the vCPUs took them all,
    /// the placed nodes' CPUs (sharing beats running on another node).
    /// </summary>
    public static PinningPlan For(VmPlacement placement, HostTopology topology)
    {
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(topology);
        var vcpus = new Dictionary<int, CpuSet>();
        var nodeCpus = CpuSet.Empty;
        foreach (var guest in placement.GuestNodes)
        {
            var hostCpus = topology.Node(guest.HostNode)?.Cpus ?? CpuSet.Empty;
            nodeCpus = nodeCpus.Union(hostCpus);
            for (var i = 0; i < guest.Vcpus.Count; i++)
            {
                vcpus[guest.Vcpus[i]] = guest.HostCpus.Count == guest.Vcpus.Count ? CpuSet.Of(guest.HostCpus[i]) : hostCpus;
            }
        }

        var emulator = nodeCpus.Except(placement.PinnedCpus);
        return new PinningPlan(vcpus, emulator.IsEmpty ? nodeCpus : emulator);
    }
}
