using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Controller.Scheduling;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Controller.Tests;

/// <summary>Pure rules of the scheduling reconciler: spec drift, the QEMU-gone signal, condition transitions.</summary>
public sealed class SchedulingRulesTests
{
    private static VmRequest Request(int vcpus = 2, long memory = 1L << 30, bool dedicated = true, string? nodes = null) =>
        new("default/a", vcpus, dedicated, memory, PageSize.Huge2Mi, nodes is null ? null : CpuSet.Parse(nodes), 1, NumaPolicy.Strict, new Dictionary<string, string>());

    private static readonly VmPlacement Placed = new("worker-1", PageSize.Huge2Mi, [new GuestNodePlacement(0, 1, CpuSet.Parse("0-1"), CpuSet.Parse("8-9"), 1L << 30)]);

    [Fact]
    public void A_no_change_request_has_no_drift() => Assert.Null(SpecDrift.Describe(Request(), Placed));

    [Theory]
    [InlineData(4, 1L << 30, true, null, "spec.cpu.cores 4, placed 2")]
    [InlineData(2, 2L << 30, true, null, "spec.memory.size")]
    [InlineData(2, 1L << 30, false, null, "spec.cpu.dedicated false, placed true")]
    [InlineData(2, 1L << 30, true, "0", "spec.numa.nodes \"0\", placed on \"1\"")]
    public void Cpu_memory_and_numa_changes_are_drift(int vcpus, long memory, bool dedicated, string? nodes, string expected) =>
        Assert.Contains(expected, SpecDrift.Describe(Request(vcpus, memory, dedicated, nodes), Placed), StringComparison.Ordinal);

    [Theory]
    [InlineData(null, null, true, true)] // never placed: no QEMU
    [InlineData("worker-1", "Scheduled", true, false)] // the agent may be starting it
    [InlineData("worker-1", "Running", true, false)]
    [InlineData("worker-1", "Stopped", true, true)]
    [InlineData("worker-1", "Running", false, true)] // Node object gone
    public void Qemu_is_gone_when_never_placed_stopped_or_its_node_is_gone(string? nodeName, string? phase, bool nodeExists, bool gone)
    {
        var vm = new NumaVirtualMachine { Status = new NumaVirtualMachineStatus { NodeName = nodeName, Phase = phase } };
        Assert.Equal(gone, Scheduling.QemuGoneSignal.IsGone(vm, nodeExists));
    }

    [Fact]
    public void Stopped_but_still_reported_running_is_not_gone()
    {
        var vm = new NumaVirtualMachine
        {
            Status = new NumaVirtualMachineStatus
            {
                NodeName = "worker-1",
                Phase = "Stopped",
                Conditions = [new V1Condition { Type = "Running", Status = "True", Reason = "QemuRunning", Message = "pid 42" }],
            },
        };
        Assert.False(Scheduling.QemuGoneSignal.IsGone(vm, nodeExists: true));
    }

    [Fact]
    public void Last_transition_time_moves_only_when_the_status_flips()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var list = ConditionList.Set(null, "Scheduled", false, "Unschedulable", "0/1 nodes fit", 1, t0);
        ConditionList.Set(list, "Scheduled", false, "Unschedulable", "0/2 nodes fit", 2, t0.AddMinutes(1));
        Assert.Equal(t0, list.Single().LastTransitionTime);
        Assert.Equal("0/2 nodes fit", list.Single().Message);
        ConditionList.Set(list, "Scheduled", true, "Scheduled", "placed", 2, t0.AddMinutes(2));
        Assert.Equal(t0.AddMinutes(2), list.Single().LastTransitionTime);
        Assert.True(ConditionList.Remove(list, "Scheduled"));
        Assert.Empty(list);
    }
}
