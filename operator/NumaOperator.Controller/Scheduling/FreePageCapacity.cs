using NumaOperator.Api.Conversion;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Topology;

namespace NumaOperator.Controller.Scheduling;

/// <summary>
/// Hugepage capacity from what a node's agent observes free (docs/architecture.md, "Capacity from free hugepages").
/// The ledger holds every placed VM, started or not, so a pool offers the ledger <c>free + held</c> pages (never more
/// than its total): <c>held</c> are the pages of placed VMs whose QEMU had taken them when the agent read
/// free_hugepages, which the free count no longer contains. What the ledger can still promise is then
/// <c>free + held − (held + pending) = free − pending</c>: pages taken by pods or other processes are never promised,
/// a running VM's pages are not counted twice, and a placed VM whose QEMU has not yet started keeps its pages promised.
/// Pure.
/// </summary>
public static class FreePageCapacity
{
    /// <summary>
    /// True when the free count published at <paramref name="observedAt"/> (the topology's heartbeatTime, when the
    /// agent read sysfs) already excludes the VM's pages: Running=True since strictly before it (both whole seconds;
    /// QEMU took its pages before the agent wrote Running). Anything else counts as not yet holding its pages.
    /// </summary>
    public static bool HoldsPages(NumaVirtualMachine vm, DateTime? observedAt)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var running = ConditionList.Find(vm.Status?.Conditions, VmConditions.Running);
        return observedAt is { } seen
            && running is { Status: VmConditions.True, LastTransitionTime: { } since }
            && since.ToUniversalTime() < seen.ToUniversalTime();
    }

    /// <summary>Running=True, but since the free count was read: the next heartbeat makes it count as holding its pages.</summary>
    public static bool AwaitsFreshCount(NumaVirtualMachine vm, DateTime? observedAt) =>
        ConditionList.Find(vm.Status?.Conditions, VmConditions.Running) is { Status: VmConditions.True } && !HoldsPages(vm, observedAt);

    /// <summary>
    /// <paramref name="node"/> with each hugepage pool's Schedulable set to min(total, free + pages held by
    /// <paramref name="placedThere"/> on that host NUMA node). <paramref name="placedThere"/>: the VMs whose
    /// status places them on this node (their placements must parse; others are skipped by the caller).
    /// </summary>
    public static ClusterNode Apply(ClusterNode node, DateTime? observedAt, IEnumerable<VmPlacement> heldPlacements)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(heldPlacements);
        var held = new Dictionary<(int HostNode, long PageBytes), long>();
        foreach (var placement in heldPlacements.Where(p => p.PageSize.IsHuge))
        {
            foreach (var guest in placement.GuestNodes)
            {
                var key = (guest.HostNode, placement.PageSize.Bytes);
                held[key] = held.GetValueOrDefault(key) + (guest.MemoryBytes / placement.PageSize.Bytes);
            }
        }

        var numaNodes = node.Topology.NumaNodes.Select(numa => numa with
        {
            Hugepages = [.. numa.Hugepages.Select(pool => pool with
            {
                Schedulable = Math.Min(pool.Total, Math.Max(0, pool.Free) + held.GetValueOrDefault((numa.Id, pool.PageSize.Bytes))),
            })],
        }).ToList();
        return node with { Topology = new HostTopology(numaNodes) };
    }

    /// <summary>The placements (status.placement) of the VMs among <paramref name="placedThere"/> that hold their pages.</summary>
    public static IEnumerable<VmPlacement> Held(IEnumerable<NumaVirtualMachine> placedThere, DateTime? observedAt)
    {
        foreach (var vm in placedThere)
        {
            if (vm.Status is { NodeName: { } nodeName, Placement: { } placement } && HoldsPages(vm, observedAt)
                && TryRead(nodeName, placement, out var read))
            {
                yield return read;
            }
        }
    }

    private static bool TryRead(string nodeName, PlacementStatus placement, out VmPlacement read)
    {
        try
        {
            read = PlacementConversion.FromStatus(nodeName, placement);
            return true;
        }
        catch (FormatException)
        {
            read = null!;
            return false;
        }
    }
}
