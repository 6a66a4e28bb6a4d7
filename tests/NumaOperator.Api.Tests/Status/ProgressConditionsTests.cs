using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Api.Tests.Status;

/// <summary>
/// The GitOps summary both writers end every status write with: observedGeneration always, Stalled while the VM
/// cannot progress without a change, else Reconciling until it is Ready for this generation or stopped as asked.
/// </summary>
public class ProgressConditionsTests
{
    private static readonly DateTime T0 = new(2026, 11, 29, 10, 0, 0, DateTimeKind.Utc);

    private static NumaVirtualMachine Vm(long generation = 2, bool running = true, params (string Type, string Status, string Reason, long Generation)[] conditions) => new()
    {
        Metadata = new V1ObjectMeta { Name = "db1", NamespaceProperty = "prod", Generation = generation },
        Spec = new NumaVirtualMachineSpec { Running = running },
        Status = new NumaVirtualMachineStatus
        {
            NodeName = "worker-7",
            Conditions = [.. conditions.Select(c => new V1Condition { Type = c.Type, Status = c.Status, Reason = c.Reason, Message = c.Reason + " message", ObservedGeneration = c.Generation, LastTransitionTime = T0 })],
        },
    };

    private static (string? Reconciling, string? Stalled) Summary(NumaVirtualMachine vm)
    {
        ProgressConditions.Apply(vm, T0);
        Assert.Equal(vm.Metadata.Generation, vm.Status!.ObservedGeneration);
        var reconciling = ConditionList.Find(vm.Status.Conditions, VmConditions.Reconciling);
        var stalled = ConditionList.Find(vm.Status.Conditions, VmConditions.Stalled);
        Assert.False(reconciling is not null && stalled is not null, "Reconciling and Stalled are never set together (kstatus reads the first it finds)");
        Assert.True(reconciling is null or { Status: VmConditions.True }, "Reconciling is set only while True (abnormal-true)");
        Assert.True(stalled is null or { Status: VmConditions.True }, "Stalled is set only while True (abnormal-true)");
        return (reconciling?.Reason, stalled?.Reason);
    }

    [Fact]
    public void A_vm_nobody_placed_yet_is_reconciling_pending()
    {
        var vm = new NumaVirtualMachine { Metadata = new V1ObjectMeta { Name = "a", Generation = 1 }, Spec = new NumaVirtualMachineSpec() };

        Assert.Equal((ProgressConditions.ReasonPending, null), Summary(vm));
    }

    [Fact]
    public void Unschedulable_is_reconciling_while_it_waits_for_capacity()
    {
        var vm = Vm(conditions: [(VmConditions.Scheduled, "False", ProgressConditions.ReasonUnschedulable, 2)]);

        Assert.Equal((ProgressConditions.ReasonUnschedulable, null), Summary(vm));
        Assert.StartsWith("waiting for capacity: ", ConditionList.Find(vm.Status!.Conditions, VmConditions.Reconciling)!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_placed_vm_its_agent_has_not_started_is_reconciling_waiting_for_the_agent()
    {
        var vm = Vm(conditions: [(VmConditions.Scheduled, "True", "Scheduled", 2)]);

        Assert.Equal((ProgressConditions.ReasonWaitingForAgent, null), Summary(vm));
    }

    [Theory]
    [InlineData(VmConditions.ReasonStarting)]
    [InlineData(VmConditions.ReasonStopping)]
    [InlineData(VmConditions.ReasonPreflightFailed)]
    public void A_vm_on_its_way_is_reconciling_with_the_agents_reason(string runningReason)
    {
        var vm = Vm(conditions: [(VmConditions.Scheduled, "True", "Scheduled", 2), (VmConditions.Running, "False", runningReason, 2), (VmConditions.Ready, "False", ReadyRule.ReasonNotRunning, 2)]);

        Assert.Equal((runningReason, null), Summary(vm));
    }

    [Fact]
    public void Running_but_not_measured_yet_is_reconciling()
    {
        var vm = Vm(conditions: [(VmConditions.Running, "True", "Running", 2), (VmConditions.Scheduled, "True", "Scheduled", 2), (VmConditions.Ready, "False", ReadyRule.ReasonNotMeasured, 2)]);

        Assert.Equal((ReadyRule.ReasonNotMeasured, null), Summary(vm));
    }

    [Fact]
    public void Ready_for_this_generation_is_neither_reconciling_nor_stalled_and_a_new_generation_is_reconciling_again()
    {
        var vm = Vm(conditions: [(VmConditions.Scheduled, "True", "Scheduled", 2), (VmConditions.Running, "True", "Running", 2), (VmConditions.NumaAligned, "True", "Aligned", 2), (VmConditions.Ready, "True", "Ready", 2)]);
        Assert.Equal((null, null), Summary(vm));

        vm.Metadata.Generation = 3;
        Assert.Equal((ProgressConditions.ReasonWaitingForAgent, null), Summary(vm));
    }

    [Fact]
    public void Stopped_as_asked_is_current_but_stopped_while_asked_to_run_is_not()
    {
        (string, string, string, long)[] stopped = [(VmConditions.Scheduled, "True", "Scheduled", 2), (VmConditions.Running, "False", VmConditions.ReasonStopped, 2), (VmConditions.Ready, "False", ReadyRule.ReasonNotRunning, 2)];
        var asked = Vm(running: false, conditions: stopped);
        asked.Status!.Phase = VmConditions.PhaseStopped;
        Assert.Equal((null, null), Summary(asked));

        var notAsked = Vm(running: true, conditions: stopped);
        notAsked.Status!.Phase = VmConditions.PhaseStopped;
        Assert.Equal((VmConditions.ReasonStopped, null), Summary(notAsked));
    }

    [Theory]
    [InlineData(VmConditions.ReasonBadBootFile)]
    [InlineData(VmConditions.ReasonStartFailed)]
    public void A_failure_the_agent_does_not_retry_is_stalled_for_its_generation_only(string reason)
    {
        var vm = Vm(conditions: [(VmConditions.Scheduled, "True", "Scheduled", 2), (VmConditions.Running, "False", reason, 2), (VmConditions.Ready, "False", ReadyRule.ReasonNotRunning, 2)]);
        vm.Status!.Phase = VmConditions.PhaseFailed;
        Assert.Equal((null, reason), Summary(vm));

        // The user changed the spec: the agent starts the VM again.
        vm.Metadata.Generation = 3;
        Assert.Equal((ProgressConditions.ReasonWaitingForAgent, null), Summary(vm));
    }

    [Fact]
    public void A_preflight_failure_is_retried_so_it_is_reconciling_not_stalled()
    {
        var vm = Vm(conditions: [(VmConditions.Scheduled, "True", "Scheduled", 2), (VmConditions.Running, "False", VmConditions.ReasonPreflightFailed, 2)]);
        vm.Status!.Phase = VmConditions.PhaseFailed;

        Assert.Equal((VmConditions.ReasonPreflightFailed, null), Summary(vm));
        Assert.EndsWith("the agent tries again every 30s", ConditionList.Find(vm.Status.Conditions, VmConditions.Reconciling)!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_measured_off_the_placed_nodes_is_stalled_not_aligned()
    {
        var vm = Vm(conditions: [(VmConditions.Running, "True", "Running", 2), (VmConditions.NumaAligned, "False", "RemoteMemory", 2), (VmConditions.Ready, "False", VmConditions.ReasonNotAligned, 2)]);

        Assert.Equal((null, VmConditions.ReasonNotAligned), Summary(vm));
        Assert.Equal("RemoteMemory message", ConditionList.Find(vm.Status!.Conditions, VmConditions.Stalled)!.Message);
    }

    [Fact]
    public void An_invalid_spec_is_stalled_and_a_controller_stalled_reason_is_kept_until_the_controller_clears_it()
    {
        var invalid = Vm(conditions: [(VmConditions.Scheduled, "False", VmConditions.ReasonInvalidSpec, 2)]);
        Assert.Equal((null, VmConditions.ReasonInvalidSpec), Summary(invalid));

        var conflict = Vm(conditions: [(VmConditions.Scheduled, "True", "Scheduled", 2), (VmConditions.Stalled, "True", VmConditions.ReasonPlacementConflict, 2)]);
        Assert.Equal((null, VmConditions.ReasonPlacementConflict), Summary(conflict));

        // Any other Stalled is derived afresh: a stale agent reason disappears once its cause is gone.
        var stale = Vm(conditions: [(VmConditions.Scheduled, "True", "Scheduled", 2), (VmConditions.Stalled, "True", VmConditions.ReasonProcessExited, 1)]);
        Assert.Equal((ProgressConditions.ReasonWaitingForAgent, null), Summary(stale));
    }

    [Fact]
    public void Node_lost_is_stalled_and_wins_over_what_the_agent_last_reported()
    {
        var vm = Vm(conditions: [(VmConditions.Running, "True", "Running", 2), (VmConditions.NumaAligned, "True", "Aligned", 2)]);
        ReadyRule.SetNodeLost(vm, "the agent on node worker-7 has not renewed its heartbeat", T0);

        Assert.Equal((null, VmConditions.ReasonNodeLost), Summary(vm));
        var ready = ConditionList.Find(vm.Status!.Conditions, VmConditions.Ready)!;
        Assert.Equal((VmConditions.Unknown, VmConditions.ReasonNodeLost), (ready.Status, ready.Reason));

        // The agent keeps the controller's verdict; only the controller lifts it.
        ReadyRule.Apply(vm, T0);
        Assert.True(ReadyRule.IsNodeLost(vm));
        ReadyRule.Apply(vm, T0, liftNodeLost: true);
        Assert.Equal(VmConditions.True, ConditionList.Find(vm.Status.Conditions, VmConditions.Ready)!.Status);
        Assert.Equal((null, null), Summary(vm));
    }

    [Fact]
    public void A_spec_change_that_needs_a_restart_is_reconciling_even_while_ready()
    {
        var vm = Vm(conditions: [(VmConditions.Running, "True", "Running", 2), (VmConditions.Ready, "True", "Ready", 2), (VmConditions.RestartRequired, "True", "SpecChanged", 2)]);

        Assert.Equal((VmConditions.RestartRequired, null), Summary(vm));
    }

    [Fact]
    public void A_vm_being_deleted_is_reconciling_deleting()
    {
        var vm = Vm(conditions: [(VmConditions.Running, "False", VmConditions.ReasonStopping, 2)]);
        vm.Metadata.DeletionTimestamp = T0;

        Assert.Equal((ProgressConditions.ReasonDeleting, null), Summary(vm));
    }

    [Fact]
    public void The_summary_keeps_its_transition_time_while_nothing_flips()
    {
        var vm = Vm(conditions: [(VmConditions.Scheduled, "True", "Scheduled", 2)]);
        ProgressConditions.Apply(vm, T0);
        ProgressConditions.Apply(vm, T0.AddMinutes(5));

        Assert.Equal(T0, ConditionList.Find(vm.Status!.Conditions, VmConditions.Reconciling)!.LastTransitionTime);
    }
}
