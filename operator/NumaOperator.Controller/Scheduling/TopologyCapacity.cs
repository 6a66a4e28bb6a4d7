using NumaOperator.Api.Conversion;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Evacuation;

namespace NumaOperator.Controller.Scheduling;

/// <summary>
/// Whether a NumaNodeTopology change matters to placement. The agent renews status.heartbeatTime every 30 s; that alone
/// does not change what the scheduler may promise (<see cref="ClusterSnapshotBuilder"/> does not read conditions), so it
/// should not rebuild the ledger and retry every unschedulable VM (the controller does when a VM on the node runs since
/// the last count: <see cref="FreePageCapacity.AwaitsFreshCount"/>). Free page counts do count: capacity is what is
/// free (<see cref="FreePageCapacity"/>). Counted: whether a status exists, per NUMA node its id, cpus, cores,
/// memoryBytes, distances and hugepage pools (page size, total and free), spec.reservedCpus, and which accelerators are
/// usable with which CPU models (a node whose KVM starts working can take VMs that need it), and spec.evacuate (an evacuating node takes none). The QEMU version is not. Pure.
/// </summary>
public static class TopologyCapacity
{
    /// <summary>True when <paramref name="now"/> offers the same capacity as <paramref name="before"/> (null: a new topology, never the same).</summary>
    public static bool Same(NumaNodeTopology? before, NumaNodeTopology now)
    {
        ArgumentNullException.ThrowIfNull(now);
        if (before is null)
        {
            return false;
        }

        if (!string.Equals(Normalize(before.Spec?.ReservedCpus), Normalize(now.Spec?.ReservedCpus), StringComparison.Ordinal)
            || EvacuationPlan.Evacuates(before) != EvacuationPlan.Evacuates(now))
        {
            return false;
        }

        if (before.Status is null || now.Status is null)
        {
            return before.Status is null && now.Status is null;
        }

        return SameList(before.Status.NumaNodes, now.Status.NumaNodes, SameNumaNode) && SameAccelerators(before.Status.Qemu, now.Status.Qemu);
    }

    /// <summary>The scheduler's reading of status.qemu (<see cref="TopologyConversion.AcceleratorOffers"/>): usable accelerators and their CPU models.</summary>
    private static bool SameAccelerators(QemuInfo? before, QemuInfo? now)
    {
        var a = TopologyConversion.AcceleratorOffers(before);
        var b = TopologyConversion.AcceleratorOffers(now);
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return SameList(
            a.ToList(),
            b.ToList(),
            (x, y) => x.Accelerator == y.Accelerator && x.Usable == y.Usable && x.CpuModels.SetEquals(y.CpuModels));
    }

    private static bool SameNumaNode(NumaNodeStatus a, NumaNodeStatus b) =>
        a.Id == b.Id
        && string.Equals(a.Cpus, b.Cpus, StringComparison.Ordinal)
        && a.MemoryBytes == b.MemoryBytes
        && SameList(a.Cores, b.Cores, (x, y) => SameList(x, y, (i, j) => i == j))
        && SameList(a.Distances, b.Distances, (x, y) => x == y)
        && SameList(a.Hugepages, b.Hugepages, (x, y) => string.Equals(x.PageSize, y.PageSize, StringComparison.Ordinal) && x.Total == y.Total && x.Free == y.Free);

    private static bool SameList<T>(IList<T>? a, IList<T>? b, Func<T, T, bool> same)
    {
        var left = a ?? [];
        var right = b ?? [];
        if (left.Count != right.Count)
        {
            return false;
        }

        for (var i = 0; i < left.Count; i++)
        {
            if (!same(left[i], right[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Omitted and empty reservedCpus both mean none reserved.</summary>
    private static string Normalize(string? cpus) => string.IsNullOrWhiteSpace(cpus) ? string.Empty : cpus.Trim();
}
