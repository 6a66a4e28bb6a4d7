using System.Text;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;

namespace NumaOperator.Qemu.Supervision;

/// <summary>
/// How a host's CPUs are split among the VMs running on it, per host NUMA node. Pure. Every CPU of a node is in
/// exactly one pool: dedicated (pinned to one vCPU of a running VM; nothing else may run there), reserved
/// (NumaNodeTopology spec.reservedCpus: left to the host) or shared (everything else: floating vCPUs and every VM's
/// emulator/IO threads run there).
/// </summary>
public sealed class HostCpuPools
{
    private readonly Dictionary<int, CpuSet> shared;
    private readonly Dictionary<int, CpuSet> reserved;

    private HostCpuPools(Dictionary<int, CpuSet> shared, Dictionary<int, CpuSet> reserved, CpuSet dedicated, CpuSet all)
    {
        this.shared = shared;
        this.reserved = reserved;
        Dedicated = dedicated;
        All = all;
    }

    /// <summary>Host CPUs pinned to a vCPU of a running VM.</summary>
    public CpuSet Dedicated { get; }

    /// <summary>Every CPU of the host's NUMA nodes.</summary>
    public CpuSet All { get; }

    /// <summary>Where the agent and whatever it starts (QEMU before pinning, qemu-img, probes) may run: everything but dedicated CPUs.</summary>
    public CpuSet NotDedicated => All.Except(Dedicated);

    /// <summary>
    /// The pools of <paramref name="topology"/> with <paramref name="running"/> holding their dedicated CPUs.
    /// A reserved CPU that a placement pins (the admin reserved it after the VM was placed) counts as dedicated: the
    /// VM keeps it until it stops.
    /// </summary>
    public static HostCpuPools Of(HostTopology topology, CpuSet reservedCpus, IEnumerable<VmPlacement> running)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(reservedCpus);
        ArgumentNullException.ThrowIfNull(running);
        var dedicated = running.Aggregate(CpuSet.Empty, (acc, p) => acc.Union(p.PinnedCpus));
        var shared = new Dictionary<int, CpuSet>();
        var reserved = new Dictionary<int, CpuSet>();
        var all = CpuSet.Empty;
        foreach (var node in topology.NumaNodes)
        {
            all = all.Union(node.Cpus);
            reserved[node.Id] = node.Cpus.Intersect(reservedCpus).Except(dedicated);
            shared[node.Id] = node.Cpus.Except(reservedCpus).Except(dedicated);
        }

        return new HostCpuPools(shared, reserved, dedicated.Intersect(all), all);
    }

    /// <summary>Shared CPUs of host NUMA node <paramref name="node"/> (empty for an unknown node).</summary>
    public CpuSet SharedOn(int node) => shared.GetValueOrDefault(node) ?? CpuSet.Empty;

    /// <summary>Reserved CPUs of host NUMA node <paramref name="node"/> that no VM pins.</summary>
    public CpuSet ReservedOn(int node) => reserved.GetValueOrDefault(node) ?? CpuSet.Empty;

    /// <summary>
    /// Where threads that must not take a dedicated CPU run for a VM on <paramref name="nodes"/>: the shared CPUs of
    /// those nodes; when the nodes have none, their reserved CPUs (the host's, better than another VM's); then the
    /// shared CPUs of any node. Empty when every CPU not reserved elsewhere is dedicated: the caller decides.
    /// </summary>
    public CpuSet NotDedicatedNear(CpuSet nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var near = nodes.Aggregate(CpuSet.Empty, (acc, n) => acc.Union(SharedOn(n)));
        if (!near.IsEmpty)
        {
            return near;
        }

        var reservedNear = nodes.Aggregate(CpuSet.Empty, (acc, n) => acc.Union(ReservedOn(n)));
        return !reservedNear.IsEmpty ? reservedNear : shared.Values.Aggregate(CpuSet.Empty, (acc, s) => acc.Union(s));
    }

    /// <summary>"node 0: shared 0,2-3 reserved 1; dedicated 4-5": for logs, and to tell whether the pools changed.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var id in shared.Keys.Order())
        {
            text.Append("node ").Append(id).Append(": shared ").Append(Or(shared[id])).Append(" reserved ").Append(Or(reserved[id])).Append("; ");
        }

        return text.Append("dedicated ").Append(Or(Dedicated)).ToString();
    }

    private static string Or(CpuSet set) => set.IsEmpty ? "none" : set.ToString();
}
