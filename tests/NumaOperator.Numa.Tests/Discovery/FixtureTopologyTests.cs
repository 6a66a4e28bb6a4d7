using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using Xunit;

namespace NumaOperator.Numa.Tests.Discovery;

/// <summary>Every fixture machine read through SysfsTopologyReader; expectations are the machine as generate.py models it.</summary>
public sealed class FixtureTopologyTests
{
    private const long KiB = 1024;

    [Fact]
    public void Laptop_has_one_node_with_four_cores_of_two_threads()
    {
        var host = SysfsFixture.Read("laptop-1node");

        var node = Assert.Single(host.Topology.NumaNodes);
        Assert.Equal(0, node.Id);
        Assert.Equal("0-7", node.Cpus.ToString());
        Assert.Equal(["0,4", "1,5", "2,6", "3,7"], node.Cores.Select(c => c.ToString()));
        Assert.Equal(16_130_748 * KiB, node.MemoryBytes);
        Assert.Equal([10], node.Distances);
        Assert.Equal([PageSize.Huge2Mi, PageSize.Huge1Gi], node.Hugepages.Select(p => p.PageSize));
        Assert.All(node.Hugepages, p => Assert.Equal((0, 0, 0), (p.Total, p.Free, p.Surplus)));
        Assert.True(host.OfflineCpus.IsEmpty);
        Assert.Equal("0", host.PackagesByNode[0].ToString());
    }

    [Fact]
    public void Intel_two_sockets_pair_each_cpu_with_its_sibling_32_above()
    {
        var host = SysfsFixture.Read("intel-2s-smt");

        Assert.Equal([0, 1], host.Topology.NumaNodes.Select(n => n.Id));
        var (node0, node1) = (host.Topology.NumaNodes[0], host.Topology.NumaNodes[1]);
        Assert.Equal("0-15,32-47", node0.Cpus.ToString());
        Assert.Equal("16-31,48-63", node1.Cpus.ToString());
        Assert.Equal(Enumerable.Range(0, 16).Select(c => CpuSet.Of(c, c + 32)), node0.Cores);
        Assert.Equal(Enumerable.Range(16, 16).Select(c => CpuSet.Of(c, c + 32)), node1.Cores);
        Assert.Equal(263_921_732 * KiB, node0.MemoryBytes);
        Assert.Equal(264_201_488 * KiB, node1.MemoryBytes);
        Assert.Equal(new HugepagePool(PageSize.Huge2Mi, 16384, 12000, 0), node0.Pool(PageSize.Huge2Mi));
        Assert.Equal(new HugepagePool(PageSize.Huge2Mi, 16384, 16384, 0), node1.Pool(PageSize.Huge2Mi));
        Assert.Equal([10, 21], node0.Distances);
        Assert.Equal([21, 10], node1.Distances);
        Assert.Equal(21, host.Topology.Distance(0, 1));
        Assert.Equal("0", host.PackagesByNode[0].ToString());
        Assert.Equal("1", host.PackagesByNode[1].ToString());
    }

    [Fact]
    public void Amd_epyc_nps4_has_eight_nodes_of_eight_cores_with_socket_distances()
    {
        var host = SysfsFixture.Read("amd-epyc-nps4");

        Assert.Equal(Enumerable.Range(0, 8), host.Topology.NumaNodes.Select(n => n.Id));
        foreach (var node in host.Topology.NumaNodes)
        {
            var first = node.Id * 8;
            Assert.Equal(CpuSet.Of(Enumerable.Range(first, 8).Concat(Enumerable.Range(64 + first, 8))), node.Cpus);
            Assert.Equal(Enumerable.Range(first, 8).Select(c => CpuSet.Of(c, c + 64)), node.Cores);
            Assert.Equal(4096 - (node.Id * 100), node.Pool(PageSize.Huge2Mi)!.Free);
            var sameSocket = Enumerable.Range(0, 8).Select(j => j == node.Id ? 10 : j / 4 == node.Id / 4 ? 12 : 32);
            Assert.Equal(sameSocket, node.Distances);
            Assert.Equal(CpuSet.Of(node.Id / 4), host.PackagesByNode[node.Id]);
        }

        Assert.Equal(128, host.Topology.NumaNodes.Sum(n => n.Cpus.Count));
    }

    [Fact]
    public void Cxl_memory_only_node_has_memory_and_no_cpus()
    {
        var host = SysfsFixture.Read("cxl-memory-only");

        Assert.Equal(3, host.Topology.NumaNodes.Count);
        var cxl = host.Topology.Node(2)!;
        Assert.True(cxl.IsMemoryOnly);
        Assert.Empty(cxl.Cores);
        Assert.Equal(128L << 30, cxl.MemoryBytes);
        Assert.Equal(8192, cxl.Pool(PageSize.Huge2Mi)!.Total);
        Assert.Equal([14, 24, 10], cxl.Distances);
        Assert.True(host.PackagesByNode[2].IsEmpty);
        Assert.False(host.Topology.Node(0)!.IsMemoryOnly);
        Assert.Equal(8, host.Topology.Node(1)!.Cores.Count);
    }

    [Fact]
    public void Offline_cpus_are_in_no_node_and_shrink_or_remove_their_cores()
    {
        var host = SysfsFixture.Read("offline-cpus");

        Assert.Equal("3,6,14", host.OfflineCpus.ToString());
        var (node0, node1) = (host.Topology.Node(0)!, host.Topology.Node(1)!);
        Assert.Equal("0-2,8-11", node0.Cpus.ToString());
        Assert.Equal(["0,8", "1,9", "2,10", "11"], node0.Cores.Select(c => c.ToString()));
        Assert.Equal("4-5,7,12-13,15", node1.Cpus.ToString());
        Assert.Equal(["4,12", "5,13", "7,15"], node1.Cores.Select(c => c.ToString()));
    }

    [Fact]
    public void Offline_cpus_stay_out_even_when_the_kernel_still_lists_them_in_cpulist()
    {
        using var sysfs = new ScratchSysfs("offline-cpus");
        sysfs.Write("sys/devices/system/node/node0/cpulist", "0-3,8-11\n");
        sysfs.Write("sys/devices/system/cpu/cpu11/topology/thread_siblings_list", "3,11\n");

        var node0 = sysfs.Read().Topology.Node(0)!;

        Assert.Equal("0-2,8-11", node0.Cpus.ToString());
        Assert.Equal(["0,8", "1,9", "2,10", "11"], node0.Cores.Select(c => c.ToString()));
    }

    [Fact]
    public void Gigantic_pages_are_read_as_1Gi_pools_next_to_2Mi()
    {
        var host = SysfsFixture.Read("gigantic-1g");

        Assert.Equal(new HugepagePool(PageSize.Huge1Gi, 16, 10, 0), host.Topology.Node(0)!.Pool(PageSize.Huge1Gi));
        Assert.Equal(new HugepagePool(PageSize.Huge1Gi, 16, 16, 0), host.Topology.Node(1)!.Pool(PageSize.Huge1Gi));
        Assert.Equal(new HugepagePool(PageSize.Huge2Mi, 2048, 1536, 0), host.Topology.Node(1)!.Pool(PageSize.Huge2Mi));
        Assert.All(host.Topology.NumaNodes, n => Assert.Equal([2L << 20, 1L << 30], n.Hugepages.Select(p => p.PageSize.Bytes)));
    }

    [Fact]
    public void Asymmetric_pools_are_read_per_node_including_surplus()
    {
        var host = SysfsFixture.Read("asymmetric-hugepages");

        var (node0, node1) = (host.Topology.Node(0)!, host.Topology.Node(1)!);
        Assert.Equal(new HugepagePool(PageSize.Huge2Mi, 8192, 7000, 0), node0.Pool(PageSize.Huge2Mi));
        Assert.Equal(new HugepagePool(PageSize.Huge1Gi, 0, 0, 0), node0.Pool(PageSize.Huge1Gi));
        Assert.Equal(new HugepagePool(PageSize.Huge2Mi, 512, 12, 64), node1.Pool(PageSize.Huge2Mi));
        Assert.Equal(new HugepagePool(PageSize.Huge1Gi, 40, 33, 0), node1.Pool(PageSize.Huge1Gi));
    }

    [Fact]
    public void Distances_follow_the_online_node_list_when_it_has_a_gap()
    {
        // node1 offline: the kernel prints one distance per online node (0 and 2), so position, not id, indexes them
        using var sysfs = new ScratchSysfs("cxl-memory-only");
        sysfs.Write("sys/devices/system/node/online", "0,2\n");
        sysfs.Write("sys/devices/system/node/node0/distance", "10 14\n");
        sysfs.Write("sys/devices/system/node/node2/distance", "14 10\n");
        Directory.Delete(sysfs.PathOf("sys/devices/system/node/node1"), recursive: true);

        var topology = sysfs.Read().Topology;

        Assert.Equal([0, 2], topology.NumaNodes.Select(n => n.Id));
        Assert.Equal(14, topology.Distance(0, 2));
        Assert.Equal(10, topology.Distance(2, 2));
        Assert.Null(topology.Distance(0, 1));
    }

    [Fact]
    public void A_node_without_a_hugepages_directory_has_no_pools()
    {
        using var sysfs = new ScratchSysfs("laptop-1node");
        Directory.Delete(sysfs.PathOf("sys/devices/system/node/node0/hugepages"), recursive: true);

        Assert.Empty(sysfs.Read().Topology.NumaNodes[0].Hugepages);
    }

    [Theory]
    [InlineData("laptop-1node")]
    [InlineData("intel-2s-smt")]
    [InlineData("amd-epyc-nps4")]
    [InlineData("cxl-memory-only")]
    [InlineData("offline-cpus")]
    [InlineData("gigantic-1g")]
    [InlineData("asymmetric-hugepages")]
    public void Every_fixture_is_consistent_cores_partition_nodes_and_distances_are_square(string machine)
    {
        var host = SysfsFixture.Read(machine);
        var topology = host.Topology;

        foreach (var node in topology.NumaNodes)
        {
            // cores partition the node's CPUs, and no core spans nodes
            Assert.Equal(node.Cpus, node.Cores.Aggregate(CpuSet.Empty, (acc, c) => acc.Union(c)));
            Assert.Equal(node.Cpus.Count, node.Cores.Sum(c => c.Count));
            Assert.False(node.Cpus.Overlaps(host.OfflineCpus));
            Assert.Equal(topology.NumaNodes.Count, node.Distances.Count);
            Assert.Equal(10, topology.Distance(node.Id, node.Id));
        }
    }
}
