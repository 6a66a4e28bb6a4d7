using NumaOperator.Numa.Discovery;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Preflight;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Qemu.Tests;

/// <summary>
/// A VM spanning host nodes: the guest gets the host's SLIT between its placed host nodes (-numa dist), and the NUMA
/// lab's test-only bindings (swapped, wide) change nothing but host-nodes=.
/// </summary>
public sealed class SpanningArgvTests
{
    /// <summary>Two guest nodes of 64 MiB (2 MiB pages) on host nodes 4 and 1 of the AMD EPYC NPS4 fixture.</summary>
    private static VmLaunchSpec Spanning(BindingForTest binding = BindingForTest.AsPlaced) => TestSpecs.SeedVm() with
    {
        Placement = new VmPlacement("epyc", PageSize.Huge2Mi, [
            new GuestNodePlacement(0, 4, CpuSet.Of(0), CpuSet.Of(64), 64L << 20),
            new GuestNodePlacement(1, 1, CpuSet.Of(1), CpuSet.Of(16), 64L << 20),
        ]),
        Binding = binding,
    };

    private static Numa.Topology.HostTopology Epyc => new SysfsTopologyReader(RepoPaths.Combine("tests", "fixtures", "sysfs", "amd-epyc-nps4")).ReadTopology();

    [Fact]
    public void Guest_distances_are_the_host_slit_between_the_placed_host_nodes_in_both_directions()
    {
        var distances = GuestNumaDistances.Of(Spanning().Placement, Epyc);

        Assert.Equal([new GuestNumaDistance(0, 1, 32), new GuestNumaDistance(1, 0, 32)], distances);
        var spec = Spanning() with { Distances = distances };
        var argv = QemuArgvBuilder.Build("/q", spec, TestSpecs.Qemu72);
        Assert.Equal(
            ["node,nodeid=0,cpus=0,memdev=mem0", "node,nodeid=1,cpus=1,memdev=mem1", "dist,src=0,dst=1,val=32", "dist,src=1,dst=0,val=32"],
            ArgvSnapshotTests.ValuesOf(argv, "-numa"));
    }

    [Fact]
    public void One_guest_node_gets_no_distances_and_an_unknown_distance_refuses_the_launch()
    {
        Assert.Empty(GuestNumaDistances.Of(TestSpecs.SeedVm().Placement, Epyc));
        Assert.DoesNotContain(ArgvSnapshotTests.ValuesOf(QemuArgvBuilder.Build("/q", TestSpecs.SeedVm(), TestSpecs.Qemu72), "-numa"), v => v.StartsWith("dist", StringComparison.Ordinal));

        var oneNode = new SysfsTopologyReader(RepoPaths.Combine("tests", "fixtures", "sysfs", "laptop-1node")).ReadTopology();
        var e = Assert.Throws<PreflightException>(() => GuestNumaDistances.Of(Spanning().Placement, oneNode));
        Assert.False(e.IsBadInput);
        Assert.Contains("host nodes 4 and 1", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(BindingForTest.AsPlaced, "host-nodes=4", "host-nodes=1")]
    [InlineData(BindingForTest.Swapped, "host-nodes=1", "host-nodes=4")]
    [InlineData(BindingForTest.Wide, "host-nodes=1,host-nodes=4", "host-nodes=1,host-nodes=4")]
    public void Test_bindings_change_only_the_host_nodes_of_each_backend(BindingForTest binding, string mem0, string mem1)
    {
        var asPlaced = QemuArgvBuilder.Build("/q", Spanning(), TestSpecs.Qemu72);
        var argv = QemuArgvBuilder.Build("/q", Spanning(binding), TestSpecs.Qemu72);

        var backends = ArgvSnapshotTests.ValuesOf(argv, "-object").ToArray();
        Assert.Contains($"id=mem0,size=67108864,mem-path=/dev/hugepages,share=on,prealloc=on,{mem0},policy=bind,", backends[0], StringComparison.Ordinal);
        Assert.Contains($"id=mem1,size=67108864,mem-path=/dev/hugepages,share=on,prealloc=on,{mem1},policy=bind,", backends[1], StringComparison.Ordinal);
        Assert.Equal(asPlaced.Where(a => !a.StartsWith("memory-backend", StringComparison.Ordinal)), argv.Where(a => !a.StartsWith("memory-backend", StringComparison.Ordinal)));
    }
}
