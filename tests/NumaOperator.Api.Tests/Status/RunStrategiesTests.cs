using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Api.Tests.Status;

/// <summary>spec.runStrategy, its spec.running shorthand, the power-request annotation and the patches that start and stop a VM.</summary>
public class RunStrategiesTests
{
    private static readonly DateTime T0 = new(2026, 12, 4, 23, 50, 0, DateTimeKind.Utc);

    private static NumaVirtualMachine Vm(string? strategy = null, bool? running = null, string? request = null, string? exitReason = null, DateTime? exitAt = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "db1",
            Annotations = request is null ? null : new Dictionary<string, string> { [PowerRequest.Annotation] = request },
        },
        Spec = new NumaVirtualMachineSpec { RunStrategy = strategy, Running = running },
        Status = exitReason is null ? null : new NumaVirtualMachineStatus { Restarts = new RestartStatus { LastExitReason = exitReason, LastExitTime = exitAt ?? T0 } },
    };

    [Theory]
    [InlineData(null, null, RunStrategies.Always)]
    [InlineData(null, true, RunStrategies.Always)]
    [InlineData(null, false, RunStrategies.Halted)]
    [InlineData(RunStrategies.Manual, null, RunStrategies.Manual)]
    [InlineData(RunStrategies.RerunOnFailure, null, RunStrategies.RerunOnFailure)]
    public void Running_is_the_shorthand_of_always_and_halted(string? strategy, bool? running, string expected) =>
        Assert.Equal(expected, RunStrategies.Of(Vm(strategy, running).Spec));

    [Fact]
    public void Always_runs_after_any_exit_and_halted_never_runs()
    {
        Assert.True(RunStrategies.WantsRunning(Vm(RunStrategies.Always, exitReason: ExitReasons.GuestShutdown)));
        Assert.False(RunStrategies.WantsRunning(Vm(RunStrategies.Halted, request: "Start 2026-12-04T23:59:00Z")));
        var deleting = Vm(RunStrategies.Always);
        deleting.Metadata.DeletionTimestamp = T0;
        Assert.False(RunStrategies.WantsRunning(deleting));
    }

    [Fact]
    public void Rerun_on_failure_runs_after_a_crash_but_not_after_a_guest_poweroff_until_a_newer_start()
    {
        Assert.True(RunStrategies.WantsRunning(Vm(RunStrategies.RerunOnFailure)));
        Assert.True(RunStrategies.WantsRunning(Vm(RunStrategies.RerunOnFailure, exitReason: ExitReasons.Crashed)));
        Assert.True(RunStrategies.WantsRunning(Vm(RunStrategies.RerunOnFailure, exitReason: ExitReasons.Lost)));
        Assert.False(RunStrategies.WantsRunning(Vm(RunStrategies.RerunOnFailure, exitReason: ExitReasons.GuestShutdown)));
        Assert.False(RunStrategies.WantsRunning(Vm(RunStrategies.RerunOnFailure, request: "Start 2026-12-04T23:49:59Z", exitReason: ExitReasons.GuestShutdown)));
        Assert.True(RunStrategies.WantsRunning(Vm(RunStrategies.RerunOnFailure, request: "Start 2026-12-04T23:50:01Z", exitReason: ExitReasons.GuestShutdown)));
    }

    [Fact]
    public void Manual_runs_only_after_a_start_request_newer_than_its_last_exit()
    {
        Assert.False(RunStrategies.WantsRunning(Vm(RunStrategies.Manual)));
        Assert.True(RunStrategies.WantsRunning(Vm(RunStrategies.Manual, request: "Start 2026-12-04T23:00:00Z")));
        Assert.True(RunStrategies.WantsRunning(Vm(RunStrategies.Manual, request: "Restart 2026-12-04T23:00:00Z")));
        Assert.False(RunStrategies.WantsRunning(Vm(RunStrategies.Manual, request: "Stop 2026-12-04T23:55:00Z")));
        Assert.False(RunStrategies.WantsRunning(Vm(RunStrategies.Manual, request: "Start 2026-12-04T23:00:00Z", exitReason: ExitReasons.Crashed)));
    }

    [Theory]
    [InlineData("Start 2026-12-04T23:50:00Z", true)]
    [InlineData("Stop 2026-12-04T23:50:00Z", true)]
    [InlineData("start 2026-12-04T23:50:00Z", false)]
    [InlineData("Start", false)]
    [InlineData("Start 2026-12-04 23:50:00", false)]
    [InlineData("1 2026-12-04T23:50:00Z", false)]
    [InlineData("Start 2026-12-04T23:50:00Z extra", false)]
    public void A_power_request_is_an_action_and_a_utc_time(string text, bool readable)
    {
        var request = PowerRequest.Parse(text);
        Assert.Equal(readable, request is not null);
        if (request is not null)
        {
            Assert.Equal(text, request.ToString());
        }
    }

    [Theory]
    [InlineData(null, null, PowerAction.Stop, """{"spec":{"running":false}}""")]
    [InlineData(null, false, PowerAction.Start, """{"spec":{"running":true}}""")]
    [InlineData(RunStrategies.Always, null, PowerAction.Stop, """{"spec":{"runStrategy":"Halted"}}""")]
    [InlineData(RunStrategies.RerunOnFailure, null, PowerAction.Stop, """{"spec":{"runStrategy":"Halted"}}""")]
    [InlineData(RunStrategies.Halted, null, PowerAction.Start, """{"spec":{"runStrategy":"Always"}}""")]
    [InlineData(RunStrategies.Manual, null, PowerAction.Start, """{"metadata":{"annotations":{"numaoperator.io/power-request":"Start 2026-12-04T23:50:00Z"}}}""")]
    [InlineData(RunStrategies.Manual, null, PowerAction.Stop, """{"metadata":{"annotations":{"numaoperator.io/power-request":"Stop 2026-12-04T23:50:00Z"}}}""")]
    [InlineData(RunStrategies.RerunOnFailure, null, PowerAction.Start, """{"metadata":{"annotations":{"numaoperator.io/power-request":"Start 2026-12-04T23:50:00Z"}}}""")]
    [InlineData(RunStrategies.Always, null, PowerAction.Restart, """{"metadata":{"annotations":{"numaoperator.io/power-request":"Restart 2026-12-04T23:50:00Z"}}}""")]
    public void Start_and_stop_change_the_spec_where_the_strategy_holds_the_power_state_and_request_it_elsewhere(string? strategy, bool? running, PowerAction action, string patch) =>
        Assert.Equal(patch, PowerPatch.For(Vm(strategy, running), action, T0));
}
