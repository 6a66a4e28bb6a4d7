using System.Globalization;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Benchmarks.Workload;

/// <summary>
/// A deterministic synthetic fleet for the placement benchmark and the <c>place</c> CLI tests (issue 2):
/// nodes × 4 NUMA nodes, each NUMA node 32 cores with SMT (64 CPUs), 256 GiB of which 90% in 2Mi pages
/// and 16 × 1Gi pages, the rest ordinary; core 0 of every node is reserved. VMs: 2-16 vCPUs, 4-64 GiB;
/// 90% 2Mi pages, 10% 1Gi pages (4-16 GiB, to fit the 16 GiB pools); 10% with guestNodes 2; 30% dedicated;
/// 10% with a zone nodeSelector. The same seed always gives the same fleet.
/// </summary>
public static class FleetWorkload
{
    public const int NumaNodesPerHost = 4;
    public const int CoresPerNumaNode = 32;
    public const long NumaNodeMemory = 256L << 30;
    public const long HugeGiPagesPerNumaNode = 16;
    public static readonly string[] Zones = ["zone-a", "zone-b", "zone-c", "zone-d"];

    /// <summary>2Mi pages per NUMA node: 90% of its memory.</summary>
    public static long Huge2MiPagesPerNumaNode => NumaNodeMemory * 9 / 10 / (2L << 20);

    public static List<NumaNodeTopology> Nodes(int count)
    {
        var nodes = new List<NumaNodeTopology>(count);
        var totalCpus = NumaNodesPerHost * CoresPerNumaNode;
        for (var i = 0; i < count; i++)
        {
            var numaNodes = new List<NumaNodeStatus>();
            for (var n = 0; n < NumaNodesPerHost; n++)
            {
                var first = n * CoresPerNumaNode;
                numaNodes.Add(new NumaNodeStatus
                {
                    Id = n,
                    Cpus = $"{first}-{first + CoresPerNumaNode - 1},{totalCpus + first}-{totalCpus + first + CoresPerNumaNode - 1}",
                    Cores = [.. Enumerable.Range(first, CoresPerNumaNode).Select(c => (IList<int>)[c, totalCpus + c])],
                    MemoryBytes = NumaNodeMemory,
                    Hugepages =
                    [
                        new HugepagePoolStatus { PageSize = "2Mi", Total = Huge2MiPagesPerNumaNode, Free = Huge2MiPagesPerNumaNode },
                        new HugepagePoolStatus { PageSize = "1Gi", Total = HugeGiPagesPerNumaNode, Free = HugeGiPagesPerNumaNode },
                    ],

                    // Two sockets of two NUMA nodes each.
                    Distances = [.. Enumerable.Range(0, NumaNodesPerHost).Select(m => m == n ? 10 : m / 2 == n / 2 ? 12 : 21)],
                });
            }

            nodes.Add(new NumaNodeTopology
            {
                Metadata = new V1ObjectMeta
                {
                    Name = NodeName(i),
                    Labels = new Dictionary<string, string> { ["topology.kubernetes.io/zone"] = Zones[i % Zones.Length] },
                },
                Spec = new NumaNodeTopologySpec { ReservedCpus = $"0,{totalCpus}" },
                Status = new NumaNodeTopologyStatus { NumaNodes = numaNodes },
            });
        }

        return nodes;
    }

    public static List<NumaVirtualMachine> VirtualMachines(int count, int seed)
    {
        var random = new Random(seed);
        var vms = new List<NumaVirtualMachine>(count);
        for (var i = 0; i < count; i++)
        {
            var vcpus = random.Next(2, 17);
            var kind = random.Next(100);
            var guestNodes = random.Next(100) < 10 ? 2 : 1;
            var pageSize = kind < 90 ? "2Mi" : "1Gi";
            var gib = pageSize == "1Gi" ? random.Next(4, 17) : random.Next(4, 65);
            if (gib % guestNodes != 0)
            {
                gib++;
            }

            var dedicated = random.Next(100) < 30;
            var selectZone = random.Next(100) < 10;
            vms.Add(new NumaVirtualMachine
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "vm-" + i.ToString("D5", CultureInfo.InvariantCulture),
                    NamespaceProperty = "team-" + (i % 10).ToString(CultureInfo.InvariantCulture),
                    Generation = 1,
                },
                Spec = new NumaVirtualMachineSpec
                {
                    Running = true,
                    Cpu = new CpuSpec { Cores = vcpus, Dedicated = dedicated },
                    Memory = new MemorySpec
                    {
                        Size = gib.ToString(CultureInfo.InvariantCulture) + "Gi",
                        Hugepages = new HugepagesSpec { PageSize = pageSize },
                    },
                    Numa = guestNodes == 1 ? null : new NumaSpec { GuestNodes = guestNodes },
                    NodeSelector = selectZone ? new Dictionary<string, string> { ["topology.kubernetes.io/zone"] = Zones[random.Next(Zones.Length)] } : null,
                },
            });
        }

        return vms;
    }

    public static string NodeName(int i) => "node-" + i.ToString("D4", CultureInfo.InvariantCulture);
}
