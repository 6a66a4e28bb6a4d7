using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Api.Tests.Status;

/// <summary>How GitOps tools read the run strategy's states: a restart due is Reconciling, stopped as the strategy asks is Current.</summary>
public class RunStrategyProgressTests
{
    private static readonly DateTime T0 = new(2026, 11, 29, 10, 0, 0, DateTimeKind.Utc);

    private static NumaVirtualMachine Stopped(string strategy, string runningReason = VmConditions.ReasonStopped, RestartStatus? restarts = null, string? request = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "db1",
            Generation = 2,
            Annotations = request is null ? null : new Dictionary<string, string> { [PowerRequest.Annotation] = request },
        },
        Spec = new NumaVirtualMachineSpec { RunStrategy = strategy },
        Status = new NumaVirtualMachineStatus
        {
            Phase = VmConditions.PhaseStopped,
            NodeName = "worker-7",
            Restarts = restarts,
            Conditions =
            [
                new V1Condition { Type = VmConditions.Scheduled, Status = "True", Reason = "Scheduled", ObservedGeneration = 2, LastTransitionTime = T0 },
                new V1Condition { Type = VmConditions.Running, Status = "False", Reason = runningReason, Message = "m", ObservedGeneration = 2, LastTransitionTime = T0 },
            ],
        },
    };

    private static (string? Reconciling, string? Stalled) Summary(NumaVirtualMachine vm)
    {
        ProgressConditions.Apply(vm, T0);
        return (ConditionList.Find(vm.Status!.Conditions, VmConditions.Reconciling)?.Reason, ConditionList.Find(vm.Status.Conditions, VmConditions.Stalled)?.Reason);
    }

    private static RestartStatus Exit(string reason, int minute) => new() { LastExitReason = reason, LastExitTime = T0.AddMinutes(minute), ConsecutiveExits = 1 };

    [Fact]
    public void A_vm_waiting_for_its_restart_backoff_is_reconciling_not_stalled()
    {
        var vm = Stopped(RunStrategies.Always, VmConditions.ReasonRestartBackoff, new RestartStatus { LastExitReason = ExitReasons.Crashed, LastExitTime = T0, NextRestartAt = T0.AddSeconds(10) });

        Assert.Equal((VmConditions.ReasonRestartBackoff, null), Summary(vm));
    }

    [Fact]
    public void A_halted_vm_that_is_stopped_is_current()
    {
        Assert.Equal((null, null), Summary(Stopped(RunStrategies.Halted)));
        Assert.Equal((VmConditions.ReasonStopped, null), Summary(Stopped(RunStrategies.Always)));
    }

    [Fact]
    public void A_guest_that_powered_off_under_rerun_on_failure_is_current_until_a_start_is_requested()
    {
        var vm = Stopped(RunStrategies.RerunOnFailure, restarts: Exit(ExitReasons.GuestShutdown, 1));
        Assert.Equal((null, null), Summary(vm));

        var started = Stopped(RunStrategies.RerunOnFailure, restarts: Exit(ExitReasons.GuestShutdown, 1), request: "Start 2026-11-29T10:02:00Z");
        Assert.Equal((VmConditions.ReasonStopped, null), Summary(started));
    }

    [Fact]
    public void A_manual_vm_is_current_stopped_until_started_and_again_after_it_exits()
    {
        Assert.Equal((null, null), Summary(Stopped(RunStrategies.Manual)));
        Assert.Equal((VmConditions.ReasonStopped, null), Summary(Stopped(RunStrategies.Manual, request: "Start 2026-11-29T10:00:00Z")));
        Assert.Equal((null, null), Summary(Stopped(RunStrategies.Manual, restarts: Exit(ExitReasons.Crashed, 5), request: "Start 2026-11-29T10:00:00Z")));
    }
}
