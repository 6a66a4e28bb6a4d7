using System.Globalization;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Explaining;
using NumaOperator.Numa.Discovery;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;

namespace NumaOperator.Cli.Rendering;

/// <summary>Builds <see cref="HostPicture"/>s from sysfs (`nodes`) or from the cluster's objects (`explain`, standalone). Pure.</summary>
public static class HostPictureBuilder
{
    /// <summary>The kernel's view: hugepages in use (total − free) per pool; CPU roles are not known here.</summary>
    public static HostPicture FromSysfs(string nodeName, DiscoveredHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return new HostPicture(nodeName, PictureSource.Sysfs, [.. host.Topology.NumaNodes.Select(n => Node(n, null,
            [.. n.Hugepages.Select(p => new PoolPicture(p.PageSize.ToString(), p.Total, Math.Max(0, p.Total - p.Free)))], []))]);
    }

    /// <summary>
    /// The scheduler's view of <paramref name="nodeNames"/>: the ledger rebuilt from every VM's recorded placement (as
    /// the controller rebuilds it) over the published topologies, with the kernel's free count beside the ledger's.
    /// <paramref name="highlight"/>'s guest nodes are marked where they live. Nodes without a readable published
    /// topology are left out.
    /// </summary>
    public static IReadOnlyList<HostPicture> FromCluster(
        IEnumerable<NumaNodeTopology> topologies,
        IEnumerable<NumaVirtualMachine> vms,
        IEnumerable<string> nodeNames,
        NumaVirtualMachine? highlight = null)
    {
        ArgumentNullException.ThrowIfNull(topologies);
        ArgumentNullException.ThrowIfNull(nodeNames);
        var published = new Dictionary<string, (ClusterNode Node, NumaNodeTopologyStatus Status)>(StringComparer.Ordinal);
        foreach (var topology in topologies.Where(t => t.Status is not null))
        {
            try
            {
                published[topology.Metadata.Name] = (TopologyConversion.ToClusterNode(topology), topology.Status!);
            }
            catch (FormatException)
            {
                // explain's scheduling section names the malformed topology; the picture leaves it out
            }
        }

        var ledger = RecordedLedger.Rebuild(new ClusterSnapshot(published.Values.Select(p => p.Node)), vms);
        var pictures = new List<HostPicture>();
        foreach (var name in nodeNames.Distinct(StringComparer.Ordinal))
        {
            if (!published.TryGetValue(name, out var node))
            {
                continue;
            }

            var usage = LedgerUsage.Of(ledger, name).ToDictionary(u => u.Id);
            var marks = Marks(highlight, name);
            pictures.Add(new HostPicture(name, PictureSource.Ledger, [.. node.Node.Topology.NumaNodes.Select(n =>
            {
                var used = usage[n.Id];
                var kernelFree = node.Status.NumaNodes.FirstOrDefault(s => s.Id == n.Id)?.Hugepages;
                var pools = used.Hugepages.Where(p => p.PageSize.IsHuge).Select(p =>
                {
                    var free = kernelFree?.FirstOrDefault(k => PageSize.TryParseHuge(k.PageSize, out var size) && size == p.PageSize)?.Free;
                    return new PoolPicture(p.PageSize.ToString(), p.CapacityPages, p.PlacedPages, free == p.FreePages ? null : free);
                });
                var roles = n.IsMemoryOnly ? null : new CpuRoles(used.Dedicated.Count, used.Shared.Count, used.Reserved.Count, used.Free.Count);
                return Node(n, roles, [.. pools], marks.GetValueOrDefault(n.Id) ?? []);
            })]));
        }

        return pictures;
    }

    /// <summary>"16 cores x 2 threads", "1 core x 1 thread + 3 cores x 2 threads", or null for a memory-only node.</summary>
    public static string? Layout(HostNumaNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Cores.Count == 0
            ? null
            : string.Join(" + ", node.Cores.GroupBy(c => c.Count).OrderBy(g => g.Key).Select(g =>
                string.Create(CultureInfo.InvariantCulture, $"{g.Count()} core{(g.Count() == 1 ? string.Empty : "s")} x {g.Key} thread{(g.Key == 1 ? string.Empty : "s")}")));
    }

    private static NumaNodePicture Node(HostNumaNode n, CpuRoles? roles, IReadOnlyList<PoolPicture> pools, IReadOnlyList<string> marks) =>
        new(n.Id, n.Cpus.ToString(), n.Cpus.Count, Layout(n), n.MemoryBytes, roles, pools, n.Distances, marks);

    /// <summary>Host NUMA node → "default/db1 guest node 0: vCPUs 0-3 on CPUs 8-11, 30Gi" for the highlighted VM on <paramref name="nodeName"/>.</summary>
    private static Dictionary<int, List<string>> Marks(NumaVirtualMachine? vm, string nodeName)
    {
        var marks = new Dictionary<int, List<string>>();
        if (vm?.Status?.Placement is not { } placement || vm.Status.NodeName != nodeName)
        {
            return marks;
        }

        foreach (var guest in placement.GuestNodes.OrderBy(g => g.GuestNode))
        {
            var cpus = string.IsNullOrEmpty(guest.HostCpus) ? "floating on shared CPUs" : "on CPUs " + guest.HostCpus;
            var text = string.Create(CultureInfo.InvariantCulture, $"{vm.Key} guest node {guest.GuestNode}: vCPUs {guest.Vcpus} {cpus}, {guest.Memory} of {placement.PageSize} pages");
            if (!marks.TryGetValue(guest.HostNode, out var list))
            {
                marks[guest.HostNode] = list = [];
            }

            list.Add(text);
        }

        return marks;
    }
}
