using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Placement;
using NumaOperator.Qemu.Preflight;
using NumaOperator.Qemu.Supervision;

namespace NumaOperator.Qemu.Tests;

/// <summary>The launch command's local placement and the thread pinning plan, on a two-node host of 4 CPUs each.</summary>
public sealed class PlacementAndPinningTests
{
    private static readonly HostTopology TwoNodes = new([
        new HostNumaNode(0, CpuSet.Parse("0-3"), [], 8L << 30, [], [10, 21]),
        new HostNumaNode(1, CpuSet.Parse("4-7"), [], 8L << 30, [], [21, 10]),
    ]);

    private static VmRequest Request(int vcpus, int guestNodes, bool dedicated = true, CpuSet? allowed = null) =>
        new("default/vm", vcpus, dedicated, 256L << 20, PageSize.Huge2Mi, allowed, guestNodes, NumaPolicy.Strict, new Dictionary<string, string>());

    [Fact]
    public void Guest_nodes_go_on_the_listed_host_nodes_in_order_with_the_highest_cpus()
    {
        var placement = LocalPlacement.Build("h", Request(3, 2), [1, 0], TwoNodes, Accelerator.Emulation);
        Assert.Equal(1, placement.GuestNodes[0].HostNode);
        Assert.Equal(CpuSet.Parse("0-1"), placement.GuestNodes[0].Vcpus);
        Assert.Equal(CpuSet.Parse("6-7"), placement.GuestNodes[0].HostCpus);
        Assert.Equal(0, placement.GuestNodes[1].HostNode);
        Assert.Equal(CpuSet.Parse("3"), placement.GuestNodes[1].HostCpus);
        Assert.Equal(128L << 20, placement.GuestNodes[1].MemoryBytes);
    }

    [Theory]
    [InlineData(new[] { 0 }, 2, "--host-nodes lists 1 host node(s)")]
    [InlineData(new[] { 0, 0 }, 2, "each guest node needs a different host node")]
    [InlineData(new[] { 2 }, 1, "host NUMA node 2 does not exist here")]
    public void Wrong_host_nodes_are_bad_input(int[] hostNodes, int guestNodes, string message)
    {
        var e = Assert.Throws<PreflightException>(() => LocalPlacement.Build("h", Request(2, guestNodes), hostNodes, TwoNodes, Accelerator.Emulation));
        Assert.True(e.IsBadInput);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Host_node_outside_spec_numa_nodes_and_too_few_cpus_are_bad_input()
    {
        Assert.Contains("not in spec.numa.nodes", Assert.Throws<PreflightException>(() => LocalPlacement.Build("h", Request(1, 1, allowed: CpuSet.Of(0)), [1], TwoNodes, Accelerator.Emulation)).Message, StringComparison.Ordinal);
        Assert.Contains("has 4 CPU(s)", Assert.Throws<PreflightException>(() => LocalPlacement.Build("h", Request(5, 1), [1], TwoNodes, Accelerator.Emulation)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dedicated_vcpus_get_one_cpu_and_emulator_threads_the_rest_of_the_node()
    {
        var plan = PinningPlan.For(LocalPlacement.Build("h", Request(2, 1), [1], TwoNodes, Accelerator.Emulation), TwoNodes);
        Assert.Equal(CpuSet.Of(6), plan.VcpuCpus[0]);
        Assert.Equal(CpuSet.Of(7), plan.VcpuCpus[1]);
        Assert.Equal(CpuSet.Parse("4-5"), plan.EmulatorCpus);
    }

    [Fact]
    public void Floating_vcpus_get_their_node_and_a_full_node_shares_with_the_emulator()
    {
        var floating = PinningPlan.For(LocalPlacement.Build("h", Request(2, 1, dedicated: false), [1], TwoNodes, Accelerator.Emulation), TwoNodes);
        Assert.Equal(CpuSet.Parse("4-7"), floating.VcpuCpus[1]);
        Assert.Equal(CpuSet.Parse("4-7"), floating.EmulatorCpus);
        var full = PinningPlan.For(LocalPlacement.Build("h", Request(4, 1), [0], TwoNodes, Accelerator.Emulation), TwoNodes);
        Assert.Equal(CpuSet.Parse("0-3"), full.EmulatorCpus);
    }
}
