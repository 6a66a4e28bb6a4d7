using k8s.Models;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Reliability.Tests;

/// <summary>Each invariant check fails on a state that breaks it and passes on one that keeps it.</summary>
public sealed class InvariantsTests
{
    private static readonly NumaNodeTopology Worker = new()
    {
        Metadata = new V1ObjectMeta { Name = "w1" },
        Status = new NumaNodeTopologyStatus
        {
            NumaNodes = [new NumaNodeStatus { Id = 0, Cpus = "0-3", MemoryBytes = 8L << 30, Hugepages = [new HugepagePoolStatus { PageSize = "2Mi", Total = 100 }], Distances = [10] }],
        },
    };

    [Fact]
    public void Double_booking_finds_overbooked_pages_and_cpus_pinned_twice()
    {
        Assert.Empty(Invariants.DoubleBooking([Placed("a", "100Mi", "0"), Placed("b", "100Mi", "1")], [Worker]));

        var pages = Invariants.DoubleBooking([Placed("a", "150Mi", ""), Placed("b", "52Mi", "")], [Worker]);
        Assert.Contains(pages, p => p.Contains("101 × 2Mi pages placed, 100 exist", StringComparison.Ordinal));

        var cpus = Invariants.DoubleBooking([Placed("a", "2Mi", "1"), Placed("b", "2Mi", "1-2")], [Worker]);
        Assert.Contains(cpus, p => p.Contains("CPU 1 pinned to both", StringComparison.Ordinal));

        Assert.Contains(Invariants.DoubleBooking([Placed("a", "2Mi", "7")], [Worker]), p => p.Contains("CPU 7", StringComparison.Ordinal));
    }

    [Fact]
    public void Processes_finds_orphans_second_qemus_and_processes_of_stopped_vms()
    {
        var running = Placed("a", "2Mi", "0");
        var stopped = Placed("b", "2Mi", "1");
        stopped.Spec.Running = false;
        Assert.Empty(Invariants.Processes([running, stopped], [Process(running)]));

        Assert.Contains(Invariants.Processes([running], [Process(running), Process(running) with { Pid = 2 }]), p => p.Contains("has 2 processes", StringComparison.Ordinal));
        Assert.Contains(Invariants.Processes([running], [Process(running) with { Uid = "gone" }]), p => p.Contains("orphaned", StringComparison.Ordinal));
        Assert.Contains(Invariants.Processes([stopped], [Process(stopped)]), p => p.Contains("though the VM is stopped", StringComparison.Ordinal));
        Assert.Contains(Invariants.Processes([running], [Process(running) with { Node = "w2" }]), p => p.Contains("its status says w1", StringComparison.Ordinal));
    }

    [Fact]
    public void Not_converged_needs_running_ready_with_a_process_stopped_without_one_and_deleted_gone()
    {
        var running = Placed("a", "2Mi", "0");
        AgentConditions.SetRunning(running, "runs", DateTime.UnixEpoch);
        AgentConditions.SetMeasured(running, new NumastatStatus(), new Qemu.Measurement.NumaVerdict(true, "Aligned", "ok"), DateTime.UnixEpoch);
        var stopped = Placed("b", "2Mi", "1");
        stopped.Spec.Running = false;
        AgentConditions.SetStopped(stopped, "stopped", DateTime.UnixEpoch);
        Assert.Empty(Invariants.NotConverged([running, stopped], [Process(running)], []));

        Assert.Contains(Invariants.NotConverged([running], [], []), p => p.Contains("process no", StringComparison.Ordinal));
        Assert.Contains(Invariants.NotConverged([stopped], [Process(stopped)], []), p => p.Contains("wants stopped", StringComparison.Ordinal));
        Assert.Contains(Invariants.NotConverged([running], [Process(running)], ["default/a"]), p => p.Contains("deleted last, still present", StringComparison.Ordinal));
        running.Metadata.Generation = 2;
        Assert.Contains(Invariants.NotConverged([running], [Process(running)], []), p => p.Contains("generation 1/2", StringComparison.Ordinal));
    }

    [Fact]
    public void Status_lost_finds_a_missing_placement_or_a_label_that_disagrees()
    {
        var vm = Placed("a", "2Mi", "0");
        Assert.Empty(Invariants.StatusLost([vm]));
        vm.Metadata.Labels[ApiGroup.NodeLabel] = "w2";
        Assert.Single(Invariants.StatusLost([vm]));
        var lost = Placed("b", "2Mi", "0");
        lost.Status!.Placement = null;
        Assert.Single(Invariants.StatusLost([lost]));
    }

    [Fact]
    public void Stuck_unschedulable_finds_a_waiting_vm_that_fits()
    {
        var node = new V1Node { Metadata = new V1ObjectMeta { Name = "w1" } };
        var waiting = Placed("a", "2Mi", "0");
        waiting.Status = null;
        SchedulingStatus.ApplyUnschedulable(waiting, "no room", DateTime.UnixEpoch);
        Assert.Single(Invariants.StuckUnschedulable([waiting], [Worker], [node]));
        Assert.Empty(Invariants.StuckUnschedulable([waiting, Placed("big", "200Mi", "")], [Worker], [node]));
    }

    private static NumaVirtualMachine Placed(string name, string memory, string cpus) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "default",
            Uid = "uid-" + name,
            Generation = 1,
            Labels = new Dictionary<string, string> { [ApiGroup.NodeLabel] = "w1" },
            Finalizers = [ApiGroup.Finalizer],
        },
        Spec = new NumaVirtualMachineSpec
        {
            Running = true,
            Cpu = new CpuSpec { Cores = 1, Dedicated = cpus.Length > 0 },
            Memory = new MemorySpec { Size = memory, Hugepages = new HugepagesSpec { PageSize = "2Mi" } },
        },
        Status = new NumaVirtualMachineStatus
        {
            NodeName = "w1",
            Placement = new PlacementStatus { PageSize = "2Mi", GuestNodes = [new GuestNodePlacementStatus { GuestNode = 0, HostNode = 0, Vcpus = "0", HostCpus = cpus, Memory = memory }] },
            Conditions = [new V1Condition { Type = SchedulingStatus.ConditionType, Status = "True", Reason = "Scheduled", Message = "placed", LastTransitionTime = DateTime.UnixEpoch }],
        },
    };

    private static HostProcess Process(NumaVirtualMachine vm) => new("w1", vm.Key, vm.Metadata.Uid, 1, vm.Status!.Placement);
}
