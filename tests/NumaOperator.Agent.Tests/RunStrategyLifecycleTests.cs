using k8s;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// spec.runStrategy through the agent's seam (<see cref="FakeVmRuntime"/>): the real reconciler, informer, status writes
/// and Events against the embedded API server and the real controller, with a 1 s restart backoff doubling to 4 s.
/// AgentRunStrategyWithQemuTests proves the same with real QEMU and a real guest.
/// </summary>
public sealed class RunStrategyLifecycleTests
{
    private const string Node = "fake-node";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);
    private readonly FakeVmRuntime runtime = new();

    private static NumaVirtualMachine Vm(string name, string strategy)
    {
        var vm = VmLifecycleWithoutQemuTests.Vm(name);
        (vm.Spec.Running, vm.Spec.RunStrategy) = (null, strategy);
        return vm;
    }

    private static string Describe(NumaVirtualMachine? vm) => vm is null ? "no such VM" : KubernetesJson.Serialize(vm.Status);

    private static bool StoppedAndCurrent(NumaVirtualMachine? vm) =>
        vm?.Status is { Phase: AgentConditions.PhaseStopped } s
        && ConditionList.Find(s.Conditions, VmConditions.Reconciling) is null
        && ConditionList.Find(s.Conditions, VmConditions.Stalled) is null
        && s.ObservedGeneration == vm.Metadata.Generation;

    private async Task<(AgentFixture Fixture, int Index)> StartAsync()
    {
        var fixture = await AgentFixture.StartAsync();
        await fixture.AddNodeAsync(Node);
        var (agent, index) = fixture.StartAgent(VmLifecycleWithoutQemuTests.Options(), runtime);
        fixture.StartController();
        await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(Within);
        return (fixture, index);
    }

    private static Task<NumaVirtualMachine?> UntilAsync(AgentFixture fixture, string name, Func<NumaVirtualMachine?, bool> done, string what) =>
        Eventually.UntilAsync(() => fixture.VmAsync(name), done, Within, what, Describe, () => fixture.Log);

    private static async Task<Guid> CreateAsync(AgentFixture fixture, NumaVirtualMachine vm) =>
        Guid.Parse((await fixture.CreateVmAsync(vm, new List<Guid>())).Metadata.Uid);

    /// <summary>What numa-operator start|stop|restart sends, a second after the last request (requests have whole-second times).</summary>
    private static async Task RequestAsync(AgentFixture fixture, string name, PowerAction action)
    {
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        await fixture.PatchVmAsync(name, PowerPatch.For((await fixture.VmAsync(name))!, action, DateTime.UtcNow));
    }

    [Fact]
    public async Task Always_restarts_a_killed_qemu_after_a_backoff_that_doubles_and_records_each_exit()
    {
        var (fixture, _) = await StartAsync();
        await using var _fixture = fixture;
        var uid = await CreateAsync(fixture, Vm("vm1", RunStrategies.Always));
        await UntilAsync(fixture, "vm1", AgentTestVms.IsReady, "vm1 Ready");
        var first = runtime.Alive[uid];

        runtime.Kill(uid);
        var waiting = await UntilAsync(fixture, "vm1", v => v?.Status?.Restarts?.NextRestartAt is not null, "vm1 waiting for its restart");
        Assert.Equal(VmConditions.ReasonRestartBackoff, ConditionList.Find(waiting!.Status!.Conditions, VmConditions.Reconciling)?.Reason);
        Assert.Equal((ExitReasons.Crashed, 1), (waiting.Status.Restarts!.LastExitReason, waiting.Status.Restarts.ConsecutiveExits));
        Assert.Equal(TimeSpan.FromSeconds(1), waiting.Status.Restarts.NextRestartAt - waiting.Status.Restarts.LastExitTime);
        Assert.Contains($"QEMU pid {first} exited on its own (crashed or killed)", waiting.Status.Restarts.LastExitMessage, StringComparison.Ordinal);

        var restarted = await UntilAsync(fixture, "vm1", v => AgentTestVms.IsReady(v) && v!.Status!.Restarts!.Count == 1, "vm1 Ready again, restart 1");
        Assert.Null(restarted!.Status!.Restarts!.NextRestartAt);
        Assert.NotEqual(first, runtime.Alive[uid]);
        Assert.Equal(2, runtime.Starts(uid));

        runtime.Kill(uid);
        var second = await UntilAsync(fixture, "vm1", v => v?.Status?.Restarts is { ConsecutiveExits: 2, NextRestartAt: not null }, "vm1 waiting for its second restart");
        Assert.Equal(TimeSpan.FromSeconds(2), second!.Status!.Restarts!.NextRestartAt - second.Status.Restarts.LastExitTime);
        await UntilAsync(fixture, "vm1", v => AgentTestVms.IsReady(v) && v!.Status!.Restarts!.Count == 2, "vm1 Ready again, restart 2");
        var events = await fixture.EventsAboutAsync("vm1");
        Assert.Equal(2, events.Count(e => e.Type == "Warning" && e.Reason == VmRuntimeReconciler.EventExited));
        Assert.Equal(2, events.Count(e => e.Reason == VmRuntimeReconciler.EventRestarted));
    }

    [Fact]
    public async Task Always_restarts_a_guest_that_powered_off()
    {
        var (fixture, _) = await StartAsync();
        await using var _fixture = fixture;
        var uid = await CreateAsync(fixture, Vm("vm1", RunStrategies.Always));
        await UntilAsync(fixture, "vm1", AgentTestVms.IsReady, "vm1 Ready");

        runtime.PowerOff(uid);
        var vm = await UntilAsync(fixture, "vm1", v => AgentTestVms.IsReady(v) && v!.Status!.Restarts!.Count == 1, "vm1 Ready again after the poweroff");
        Assert.Equal(ExitReasons.GuestShutdown, vm!.Status!.Restarts!.LastExitReason);
    }

    [Fact]
    public async Task Rerun_on_failure_restarts_a_crash_but_leaves_a_guest_that_powered_off_stopped_until_started()
    {
        var (fixture, _) = await StartAsync();
        await using var _fixture = fixture;
        var uid = await CreateAsync(fixture, Vm("vm1", RunStrategies.RerunOnFailure));
        await UntilAsync(fixture, "vm1", AgentTestVms.IsReady, "vm1 Ready");

        runtime.Kill(uid);
        await UntilAsync(fixture, "vm1", v => AgentTestVms.IsReady(v) && v!.Status!.Restarts!.Count == 1, "vm1 restarted after the crash");

        runtime.PowerOff(uid);
        var stopped = await UntilAsync(fixture, "vm1", StoppedAndCurrent, "vm1 Stopped and Current after the poweroff");
        Assert.Equal(ExitReasons.GuestShutdown, stopped!.Status!.Restarts!.LastExitReason);
        Assert.StartsWith("QEMU exited on its own (GuestShutdown at ", ConditionList.Find(stopped.Status.Conditions, VmConditions.Running)!.Message, StringComparison.Ordinal);
        await Eventually.ConsistentlyAsync(() => Task.FromResult(runtime.Starts(uid)), n => n == 2, TimeSpan.FromSeconds(2), "vm1 not started again");

        await RequestAsync(fixture, "vm1", PowerAction.Start);
        await UntilAsync(fixture, "vm1", AgentTestVms.IsReady, "vm1 Ready after numa-operator start");
        Assert.Equal(3, runtime.Starts(uid));
    }

    [Fact]
    public async Task Manual_starts_and_stops_only_on_request_and_never_restarts_on_its_own()
    {
        var (fixture, _) = await StartAsync();
        await using var _fixture = fixture;
        var uid = await CreateAsync(fixture, Vm("vm1", RunStrategies.Manual));
        var created = await UntilAsync(fixture, "vm1", StoppedAndCurrent, "vm1 Stopped, not started");
        Assert.Equal("QEMU not started: runStrategy Manual and no start requested (numa-operator start)", ConditionList.Find(created!.Status!.Conditions, VmConditions.Running)!.Message);
        Assert.Equal(0, runtime.Starts(uid));

        await RequestAsync(fixture, "vm1", PowerAction.Start);
        await UntilAsync(fixture, "vm1", AgentTestVms.IsReady, "vm1 Ready after start");
        await RequestAsync(fixture, "vm1", PowerAction.Stop);
        await UntilAsync(fixture, "vm1", StoppedAndCurrent, "vm1 Stopped after stop");
        Assert.False(runtime.Alive.ContainsKey(uid));

        await RequestAsync(fixture, "vm1", PowerAction.Start);
        await UntilAsync(fixture, "vm1", AgentTestVms.IsReady, "vm1 Ready after the second start");
        runtime.Kill(uid);
        var exited = await UntilAsync(fixture, "vm1", v => StoppedAndCurrent(v) && v!.Status!.Restarts is not null, "vm1 Stopped after its crash");
        Assert.Null(exited!.Status!.Restarts!.NextRestartAt);
        await Eventually.ConsistentlyAsync(() => Task.FromResult(runtime.Starts(uid)), n => n == 2, TimeSpan.FromSeconds(2), "vm1 not restarted");
    }

    [Fact]
    public async Task Halted_stops_the_qemu_and_keeps_it_stopped_across_an_agent_restart()
    {
        var (fixture, index) = await StartAsync();
        await using var _fixture = fixture;
        var uid = await CreateAsync(fixture, Vm("vm1", RunStrategies.Always));
        await UntilAsync(fixture, "vm1", AgentTestVms.IsReady, "vm1 Ready");

        await RequestAsync(fixture, "vm1", PowerAction.Stop);
        var halted = await UntilAsync(fixture, "vm1", StoppedAndCurrent, "vm1 Stopped (Halted)");
        Assert.Equal(RunStrategies.Halted, halted!.Spec.RunStrategy);
        Assert.Equal("QEMU stopped: spec.runStrategy is Halted", ConditionList.Find(halted.Status!.Conditions, VmConditions.Running)!.Message);

        await fixture.StopAsync(index);
        fixture.StartAgent(VmLifecycleWithoutQemuTests.Options(), runtime);
        await Eventually.ConsistentlyAsync(() => fixture.VmAsync("vm1"), v => StoppedAndCurrent(v) && !runtime.Alive.ContainsKey(uid), TimeSpan.FromSeconds(2), "vm1 stays stopped", Describe);
        Assert.Equal(1, runtime.Starts(uid));
    }

    [Fact]
    public async Task A_qemu_that_died_while_no_agent_ran_is_recorded_lost_and_restarted_by_the_next_agent()
    {
        var (fixture, index) = await StartAsync();
        await using var _fixture = fixture;
        var uid = await CreateAsync(fixture, VmLifecycleWithoutQemuTests.Vm("vm1")); // spec.running true: Always
        await UntilAsync(fixture, "vm1", AgentTestVms.IsReady, "vm1 Ready");
        await fixture.StopAsync(index);
        runtime.Kill(uid);

        fixture.StartAgent(VmLifecycleWithoutQemuTests.Options(), runtime);
        var vm = await UntilAsync(fixture, "vm1", v => AgentTestVms.IsReady(v) && v!.Status!.Restarts?.Count == 1, "vm1 restored by the next agent");
        Assert.Equal(ExitReasons.Lost, vm!.Status!.Restarts!.LastExitReason);
        Assert.Contains("no longer running (found only its state dir", vm.Status.Restarts.LastExitMessage, StringComparison.Ordinal);
        Assert.Equal(2, runtime.Starts(uid));
    }

    [Fact]
    public async Task A_restart_request_replaces_the_running_qemu_once()
    {
        var (fixture, _) = await StartAsync();
        await using var _fixture = fixture;
        var uid = await CreateAsync(fixture, Vm("vm1", RunStrategies.Always));
        await UntilAsync(fixture, "vm1", AgentTestVms.IsReady, "vm1 Ready");
        var first = runtime.Alive[uid];

        await RequestAsync(fixture, "vm1", PowerAction.Restart);
        // A new QEMU, not none: between the stop and the start the VM can still read Ready from before the restart.
        await UntilAsync(fixture, "vm1", v => AgentTestVms.IsReady(v) && runtime.Alive.TryGetValue(uid, out var now) && now != first, "vm1 Ready with a new QEMU");
        await Eventually.ConsistentlyAsync(() => Task.FromResult(runtime.Starts(uid)), n => n == 2, TimeSpan.FromSeconds(2), "vm1 restarted exactly once");
    }
}
