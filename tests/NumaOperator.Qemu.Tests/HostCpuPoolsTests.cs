using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Supervision;

namespace NumaOperator.Qemu.Tests;

/// <summary>
/// Dedicated CPUs are exclusive: the shared pool of each host NUMA node and every VM's thread plan, on a two-node
/// host of 4 CPUs each with CPU 0 reserved for the host.
/// </summary>
public sealed class HostCpuPoolsTests
{
    private static readonly HostTopology TwoNodes = new([
        new HostNumaNode(0, CpuSet.Parse("0-3"), [], 8L << 30, [], [10, 21]),
        new HostNumaNode(1, CpuSet.Parse("4-7"), [], 8L << 30, [], [21, 10]),
    ]);

    private static readonly CpuSet Reserved = CpuSet.Of(0);

    /// <summary>Two vCPUs on host node 0, dedicated to CPUs 2-3.</summary>
    private static readonly VmPlacement DedicatedA = Vm(0, "2-3");

    /// <summary>Two floating vCPUs on host node 0.</summary>
    private static readonly VmPlacement FloatingB = Vm(0, string.Empty);

    /// <summary>Four vCPUs dedicated to the whole of host node 1.</summary>
    private static readonly VmPlacement WholeNodeC = Vm(1, "4-7", vcpus: 4);

    private static VmPlacement Vm(int hostNode, string hostCpus, int vcpus = 2) =>
        new("h", PageSize.Huge2Mi, [new GuestNodePlacement(0, hostNode, CpuSet.Of(Enumerable.Range(0, vcpus)), CpuSet.Parse(hostCpus), 1L << 30)]);

    [Fact]
    public void Shared_cpus_are_the_node_minus_every_running_vms_dedicated_cpus_minus_reserved()
    {
        var pools = HostCpuPools.Of(TwoNodes, Reserved, [DedicatedA, FloatingB, WholeNodeC]);
        Assert.Equal(CpuSet.Of(1), pools.SharedOn(0));
        Assert.Equal(CpuSet.Of(0), pools.ReservedOn(0));
        Assert.Equal(CpuSet.Empty, pools.SharedOn(1));
        Assert.Equal(CpuSet.Parse("2-7"), pools.Dedicated);
        Assert.Equal(CpuSet.Parse("0-1"), pools.NotDedicated);
        Assert.Equal("node 0: shared 1 reserved 0; node 1: shared none reserved none; dedicated 2-7", pools.ToString());
    }

    [Fact]
    public void A_floating_vm_and_every_emulator_thread_stay_off_other_vms_dedicated_cpus_and_off_reserved_cpus()
    {
        var pools = HostCpuPools.Of(TwoNodes, Reserved, [DedicatedA, FloatingB]);
        var floating = PinningPlan.For(FloatingB, pools);
        Assert.All(floating.VcpuCpus.Values, cpus => Assert.Equal(CpuSet.Of(1), cpus));
        Assert.Equal(CpuSet.Of(1), floating.EmulatorCpus);

        var dedicated = PinningPlan.For(DedicatedA, pools);
        Assert.Equal(CpuSet.Of(2), dedicated.VcpuCpus[0]);
        Assert.Equal(CpuSet.Of(3), dedicated.VcpuCpus[1]);
        Assert.Equal(CpuSet.Of(1), dedicated.EmulatorCpus);
    }

    [Fact]
    public void When_a_dedicated_vm_stops_its_cpus_go_back_to_the_shared_pool()
    {
        var after = PinningPlan.For(FloatingB, HostCpuPools.Of(TwoNodes, Reserved, [FloatingB]));
        Assert.All(after.VcpuCpus.Values, cpus => Assert.Equal(CpuSet.Parse("1-3"), cpus));
        Assert.Equal(CpuSet.Parse("1-3"), after.EmulatorCpus);
    }

    [Fact]
    public void A_vm_that_dedicates_a_whole_node_runs_its_emulator_threads_on_its_own_cpus_not_on_another_vms_or_the_hosts()
    {
        var plan = PinningPlan.For(WholeNodeC, HostCpuPools.Of(TwoNodes, Reserved, [DedicatedA, WholeNodeC]));
        Assert.Equal(CpuSet.Parse("4-7"), plan.EmulatorCpus);
    }

    [Fact]
    public void Threads_that_find_no_shared_cpu_on_their_node_take_its_reserved_cpus_then_another_nodes_shared_cpus()
    {
        var nodeZeroFull = Vm(0, "1-3", vcpus: 3);
        var onlyReservedLeft = HostCpuPools.Of(TwoNodes, Reserved, [nodeZeroFull]);
        Assert.Equal(CpuSet.Of(0), onlyReservedLeft.NotDedicatedNear(CpuSet.Of(0)));

        var noneLeftOnNodeOne = HostCpuPools.Of(TwoNodes, Reserved, [WholeNodeC]);
        Assert.Equal(CpuSet.Parse("1-3"), noneLeftOnNodeOne.NotDedicatedNear(CpuSet.Of(1)));
    }

    [Fact]
    public void A_reserved_cpu_a_running_vm_pins_counts_as_dedicated_until_the_vm_stops()
    {
        var pools = HostCpuPools.Of(TwoNodes, CpuSet.Parse("0,2"), [DedicatedA]);
        Assert.Equal(CpuSet.Of(0), pools.ReservedOn(0));
        Assert.Equal(CpuSet.Of(1), pools.SharedOn(0));
        Assert.Equal(CpuSet.Parse("2-3"), pools.Dedicated);
    }

    [Fact]
    public void A_vm_alone_on_the_host_keeps_the_launch_commands_plan()
    {
        Assert.Equal(
            PinningPlan.For(DedicatedA, TwoNodes).EmulatorCpus,
            PinningPlan.For(DedicatedA, HostCpuPools.Of(TwoNodes, CpuSet.Empty, [DedicatedA])).EmulatorCpus);
        Assert.Equal(CpuSet.Parse("0-1"), PinningPlan.For(DedicatedA, TwoNodes).EmulatorCpus);
    }
}
