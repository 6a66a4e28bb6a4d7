using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Api.Tests.Status;

public class SchedulingStatusTests
{
    private static readonly DateTime T1 = new(2026, 11, 29, 10, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime T2 = T1.AddMinutes(5);

    private static NumaVirtualMachine Vm() => new() { Metadata = new() { Name = "db1", NamespaceProperty = "prod", Generation = 4 } };

    private static readonly VmPlacement Placement = new("w7", PageSize.Huge2Mi, [
        new GuestNodePlacement(0, 1, CpuSet.Of(0, 1, 2, 3), CpuSet.Of(8, 9, 10, 11), 30L << 30),
    ]);

    [Fact]
    public void Placed_records_node_placement_phase_label_and_a_true_condition()
    {
        var vm = Vm();

        SchedulingStatus.ApplyPlaced(vm, Placement, T1);

        Assert.Equal(("w7", "Scheduled"), (vm.Status!.NodeName, vm.Status.Phase));
        Assert.Equal(4, vm.Status.ObservedGeneration); // with Reconciling=True below, so kstatus reads InProgress, not Current
        Assert.Equal("w7", vm.Metadata.Labels[ApiGroup.NodeLabel]);
        var guest = Assert.Single(vm.Status.Placement!.GuestNodes);
        Assert.Equal(("2Mi", 1, "0-3", "8-11", "30Gi"), (vm.Status.Placement.PageSize, guest.HostNode, guest.Vcpus, guest.HostCpus, guest.Memory));
        Assert.Equal(["Scheduled", "Reconciling"], vm.Status.Conditions!.Select(c => c.Type));
        var condition = vm.Status.Conditions![0];
        Assert.Equal(("Scheduled", "True", "Scheduled", 4L, T1), (condition.Type, condition.Status, condition.Reason, condition.ObservedGeneration, condition.LastTransitionTime));
        Assert.Equal("placed on w7: guest node 0 on host NUMA node 1 with CPUs 8-11, 15360 × 2Mi pages", condition.Message);
        Assert.Equal(("True", ProgressConditions.ReasonWaitingForAgent), (vm.Status.Conditions[1].Status, vm.Status.Conditions[1].Reason));
    }

    [Fact]
    public void Unschedulable_clears_the_placement_and_label_and_keeps_the_transition_time_while_still_false()
    {
        var vm = Vm();
        SchedulingStatus.ApplyPlaced(vm, Placement, T1);

        SchedulingStatus.ApplyUnschedulable(vm, "0/1 nodes fit: 1 did not match nodeSelector", T1);
        SchedulingStatus.ApplyUnschedulable(vm, "0/2 nodes fit: 2 did not match nodeSelector", T2);

        Assert.Null(vm.Status!.NodeName);
        Assert.Null(vm.Status.Placement);
        Assert.Equal("Pending", vm.Status.Phase);
        Assert.False(vm.Metadata.Labels.ContainsKey(ApiGroup.NodeLabel));
        var condition = ConditionList.Find(vm.Status.Conditions, "Scheduled")!;
        Assert.Equal(("False", "Unschedulable", "0/2 nodes fit: 2 did not match nodeSelector"), (condition.Status, condition.Reason, condition.Message));
        Assert.Equal(T1, condition.LastTransitionTime);
        var reconciling = ConditionList.Find(vm.Status.Conditions, "Reconciling")!;
        Assert.Equal(("True", "Unschedulable", "waiting for capacity: 0/2 nodes fit: 2 did not match nodeSelector"), (reconciling.Status, reconciling.Reason, reconciling.Message));
    }

    [Fact]
    public void Invalid_spec_lists_every_field_error()
    {
        var vm = Vm();

        SchedulingStatus.ApplyInvalidSpec(vm, [FieldError.Invalid("spec.cpu.cores", 0, "must be between 1 and 1024"), FieldError.Required("spec.memory.size", "guest RAM")], T2);

        var condition = ConditionList.Find(vm.Status!.Conditions, "Scheduled")!;
        Assert.Equal(("False", "InvalidSpec", T2), (condition.Status, condition.Reason, condition.LastTransitionTime));
        Assert.Equal(("True", "InvalidSpec"), (ConditionList.Find(vm.Status.Conditions, "Stalled")!.Status, ConditionList.Find(vm.Status.Conditions, "Stalled")!.Reason));
        Assert.Null(ConditionList.Find(vm.Status.Conditions, "Reconciling"));
        Assert.Equal("invalid spec: spec.cpu.cores: Invalid value: 0: must be between 1 and 1024; spec.memory.size: Required value: guest RAM", condition.Message);
    }
}
