using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;

namespace NumaOperator.Qemu.Supervision;

/// <summary>Which host CPUs each QEMU thread may run on. Pure.</summary>
/// <param name="VcpuCpus">Guest vCPU index → allowed host CPUs (one CPU when dedicated).</param>
/// <param name="EmulatorCpus">Every other QEMU thread (main loop, I/O, RCU, TCG helpers).</param>
public sealed record PinningPlan(IReadOnlyDictionary<int, CpuSet> VcpuCpus, CpuSet EmulatorCpus)
{
    /// <summary>The plan of a VM alone on <paramref name="topology"/> (no other VM, nothing reserved): `numa-operator launch`.</summary>
    public static PinningPlan For(VmPlacement placement, HostTopology topology)
    {
        ArgumentNullException.ThrowIfNull(placement);
        return For(placement, HostCpuPools.Of(topology, CpuSet.Empty, [placement]));
    }

    /// <summary>
    /// Dedicated vCPUs get their placed host CPU each. Floating vCPUs get the shared CPUs of their guest node's host
    /// node (<see cref="HostCpuPools.NotDedicatedNear"/>; the placement engine keeps one there), and so do a floating
    /// VM's emulator threads. A dedicated VM's emulator threads get the shared CPUs of its placed nodes; when every CPU
    /// there is dedicated or reserved, its own dedicated CPUs (sharing with its own vCPUs beats another VM's CPU, the
    /// host's, or another node). Only when no CPU at all is left does a floating VM get every CPU (the placement engine
    /// never places that). <paramref name="pools"/> must count this VM's placement as running.
    /// </summary>
    public static PinningPlan For(VmPlacement placement, HostCpuPools pools)
    {
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(pools);
        var vcpus = new Dictionary<int, CpuSet>();
        foreach (var guest in placement.GuestNodes)
        {
            var floating = guest.HostCpus.Count == guest.Vcpus.Count ? null : Floating(pools, guest.HostNode);
            for (var i = 0; i < guest.Vcpus.Count; i++)
            {
                vcpus[guest.Vcpus[i]] = floating ?? CpuSet.Of(guest.HostCpus[i]);
            }
        }

        var emulator = placement.PinnedCpus.IsEmpty
            ? pools.NotDedicatedNear(placement.HostNodes)
            : placement.HostNodes.Aggregate(CpuSet.Empty, (acc, n) => acc.Union(pools.SharedOn(n)));
        if (emulator.IsEmpty)
        {
            emulator = placement.PinnedCpus.IsEmpty ? pools.All : placement.PinnedCpus;
        }

        return new PinningPlan(vcpus, emulator);
    }

    private static CpuSet Floating(HostCpuPools pools, int hostNode)
    {
        var cpus = pools.NotDedicatedNear(CpuSet.Of(hostNode));
        return cpus.IsEmpty ? pools.All : cpus;
    }
}
