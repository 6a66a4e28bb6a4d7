using k8s.Models;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Agent.Tests;

/// <summary>The restart backoff and the run strategy's part of the agent's pure decisions: fixtures and times in, verdicts out.</summary>
public sealed class RunStrategyDecisionTests
{
    private static readonly DateTime T0 = new(2026, 12, 4, 23, 50, 0, DateTimeKind.Utc);
    private static readonly RestartBackoff Backoff = RestartBackoff.Default;

    private static NumaVirtualMachine Vm(string strategy, RestartStatus? restarts = null, string? request = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "db1",
            Generation = 3,
            Annotations = request is null ? null : new Dictionary<string, string> { [PowerRequest.Annotation] = request },
        },
        Spec = new NumaVirtualMachineSpec { RunStrategy = strategy },
        Status = new NumaVirtualMachineStatus { Phase = AgentConditions.PhaseStopped, Restarts = restarts },
    };

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 20)]
    [InlineData(3, 40)]
    [InlineData(5, 160)]
    [InlineData(6, 300)]
    [InlineData(60, 300)]
    public void The_restart_delay_starts_at_10s_and_doubles_up_to_5_minutes(int consecutiveExits, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Backoff.DelayAfter(consecutiveExits));

    [Fact]
    public void Exits_in_a_row_double_the_delay_and_a_stable_run_starts_over()
    {
        var first = Backoff.OnExit(null, RunStrategies.Always, ExitReasons.Crashed, "QEMU pid 7 exited", T0, TimeSpan.FromSeconds(30));
        Assert.Equal((0, 1, T0.AddSeconds(10)), (first.Count, first.ConsecutiveExits, first.NextRestartAt));
        first.Count = 1; // the restart happened

        var second = Backoff.OnExit(first, RunStrategies.Always, ExitReasons.Crashed, "again", T0.AddMinutes(1), TimeSpan.FromSeconds(30));
        Assert.Equal((1, 2, T0.AddMinutes(1).AddSeconds(20)), (second.Count, second.ConsecutiveExits, second.NextRestartAt));

        var afterStableRun = Backoff.OnExit(second, RunStrategies.Always, ExitReasons.Crashed, "after an hour", T0.AddHours(1), TimeSpan.FromMinutes(59));
        Assert.Equal((1, T0.AddHours(1).AddSeconds(10)), (afterStableRun.ConsecutiveExits, afterStableRun.NextRestartAt));

        var unseen = Backoff.OnExit(second, RunStrategies.Always, ExitReasons.Lost, "host rebooted", T0.AddHours(1), ranFor: null);
        Assert.Equal(3, unseen.ConsecutiveExits);
    }

    [Theory]
    [InlineData(RunStrategies.Always, ExitReasons.Crashed, true)]
    [InlineData(RunStrategies.Always, ExitReasons.GuestShutdown, true)]
    [InlineData(RunStrategies.Always, ExitReasons.Lost, true)]
    [InlineData(RunStrategies.RerunOnFailure, ExitReasons.Crashed, true)]
    [InlineData(RunStrategies.RerunOnFailure, ExitReasons.Lost, true)]
    [InlineData(RunStrategies.RerunOnFailure, ExitReasons.GuestShutdown, false)]
    [InlineData(RunStrategies.Manual, ExitReasons.Crashed, false)]
    [InlineData(RunStrategies.Manual, ExitReasons.GuestShutdown, false)]
    [InlineData(RunStrategies.Halted, ExitReasons.Crashed, false)]
    public void Each_strategy_restarts_the_exits_it_names(string strategy, string reason, bool restarts)
    {
        var after = Backoff.OnExit(null, strategy, reason, "exited", T0, TimeSpan.FromSeconds(5));
        Assert.Equal(restarts, after.NextRestartAt is not null);
        Assert.Equal((reason, T0), (after.LastExitReason, after.LastExitTime));
    }

    [Fact]
    public void A_long_exit_message_is_cut_to_the_schemas_1024_characters() =>
        Assert.Equal(1024, Backoff.OnExit(null, RunStrategies.Always, ExitReasons.Crashed, new string('x', 5000), T0, null).LastExitMessage!.Length);

    [Fact]
    public void A_vm_waits_until_its_next_restart_and_starts_once_it_passed()
    {
        var vm = Vm(RunStrategies.Always, new RestartStatus { LastExitReason = ExitReasons.Crashed, LastExitTime = T0, NextRestartAt = T0.AddSeconds(10) });

        Assert.Equal(new VmAction.WaitToRestart(T0.AddSeconds(10)), VmRuntimeDecision.Decide(vm, wantRunning: true, HeldProcess.None, Leftover.None, T0.AddSeconds(9)));
        Assert.Equal(new VmAction.Start(), VmRuntimeDecision.Decide(vm, wantRunning: true, HeldProcess.None, Leftover.None, T0.AddSeconds(10)));
    }

    [Fact]
    public void A_held_qemu_that_died_is_reported_as_an_exit_whatever_the_strategy() =>
        Assert.Equal(new VmAction.ReportExited(), VmRuntimeDecision.Decide(Vm(RunStrategies.Manual, request: "Start 2026-12-04T23:00:00Z"), wantRunning: true, HeldProcess.Dead, Leftover.None, T0));

    [Fact]
    public void A_vm_stopped_by_its_strategy_says_why_and_how_to_start_it()
    {
        Assert.Equal("QEMU stopped: spec.runStrategy is Halted", VmRuntimeDecision.StopReason(Vm(RunStrategies.Halted)));
        Assert.Equal("QEMU not started: runStrategy Manual and no start requested (numa-operator start)", VmRuntimeDecision.StopReason(Vm(RunStrategies.Manual)));
        Assert.Equal("QEMU stopped: runStrategy Manual, stop requested at 2026-12-04T23:55:00Z", VmRuntimeDecision.StopReason(Vm(RunStrategies.Manual, request: "Stop 2026-12-04T23:55:00Z")));
        var poweredOff = new RestartStatus { LastExitReason = ExitReasons.GuestShutdown, LastExitTime = T0 };
        Assert.Equal(
            "QEMU exited on its own (GuestShutdown at 2026-12-04T23:50:00Z); runStrategy RerunOnFailure does not restart a guest that powered off: numa-operator start",
            VmRuntimeDecision.StopReason(Vm(RunStrategies.RerunOnFailure, poweredOff)));
        Assert.Equal(
            "QEMU exited on its own (Crashed at 2026-12-04T23:50:00Z); runStrategy Manual does not restart it: numa-operator start",
            VmRuntimeDecision.StopReason(Vm(RunStrategies.Manual, new RestartStatus { LastExitReason = ExitReasons.Crashed, LastExitTime = T0 }, "Start 2026-12-04T23:00:00Z")));
    }
}
