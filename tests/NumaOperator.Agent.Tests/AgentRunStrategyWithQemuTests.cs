using NumaOperator.Agent.Runtime;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Host;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// spec.runStrategy end to end: the controller and the agent against the embedded API server, real QEMU (TCG) booting
/// the test Linux guest (tests/guest) with 192 MiB of 2 MiB hugepages bound to host node 0, the default restart
/// backoff (10 s first). A kill -9 of QEMU, an agent restarted after its QEMU died (the host-reboot case), Halted,
/// and a guest that powers off by itself under RerunOnFailure.
/// </summary>
[Collection(RealQemuGroup.Name)]
public sealed class AgentRunStrategyWithQemuTests(QemuHost host) : IDisposable
{
    private const string Node = "qemu-node";
    private const long VmPages = 96; // 192Mi of 2Mi pages: the Debian kernel and the busybox initramfs
    private static readonly TimeSpan Restored = TimeSpan.FromSeconds(60);
    private readonly string stateDir = Path.Combine("/tmp", "nar-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string imageRoot = Directory.CreateTempSubdirectory("numaop-agent-images-").FullName;
    private readonly List<Guid> uids = [];

    private AgentOptions Options() => new()
    {
        NodeName = Node,
        StateDirectory = stateDir,
        ImageRoot = imageRoot,
        SampleInterval = TimeSpan.FromSeconds(2),
        LivenessInterval = TimeSpan.FromMilliseconds(500),
        StopGrace = TimeSpan.FromSeconds(1),
        TopologyPollInterval = TimeSpan.FromMilliseconds(500),
        HeartbeatInterval = TimeSpan.FromSeconds(5),
    };

    private NumaVirtualMachine GuestVm(string name, string strategy, params string[] cmdline)
    {
        var boot = TestGuest.CopyInto(imageRoot);
        var vm = AgentTestVms.Vm(name, boot.Kernel);
        vm.Spec.Running = null;
        vm.Spec.RunStrategy = strategy;
        vm.Spec.Memory.Size = "192Mi";
        vm.Spec.Boot!.Initrd = boot.Initrd;
        vm.Spec.Boot.Cmdline = TestGuest.Cmdline(cmdline);
        return vm;
    }

    private string SerialLog(Guid uid) => new VmStatePaths(Path.Combine(stateDir, "vms", uid.ToString("D"))).SerialLog;

    private static bool ReadyAfterRestarts(NumaVirtualMachine? vm, int count) =>
        AgentTestVms.IsReady(vm) && vm!.Status!.Restarts?.Count == count;

    private static async Task<AgentFixture> StartAsync()
    {
        var fixture = await AgentFixture.StartAsync();
        await fixture.AddNodeAsync(Node);
        return fixture;
    }

    [SkippableFact]
    public async Task Always_brings_a_killed_qemu_back_aligned_restores_it_after_an_agent_restart_and_halted_keeps_it_stopped()
    {
        Skip.IfNot(host.Available, QemuHost.SkipReason);
        using var pages = host.Reserve(VmPages + 8);
        await using var fixture = await StartAsync();
        var (agent, agentIndex) = fixture.StartAgent(Options());
        fixture.StartController();
        await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var uid = Guid.Parse((await fixture.CreateVmAsync(GuestVm("web", RunStrategies.Always), uids)).Metadata.Uid);
        await fixture.WaitForAsync(() => fixture.VmAsync("web"), AgentTestVms.IsReady, "web Running and Aligned", seconds: 90);
        await GuestSerial.WaitForMarkerAsync(SerialLog(uid), "READY", TimeSpan.FromSeconds(120));
        var first = Assert.Single(QemuHost.QemuPids(uid));

        // kill -9: back Running and Aligned within 60 s, the restart counted, the guest booted again.
        QemuHost.Kill(first);
        var restarted = await fixture.WaitForAsync(() => fixture.VmAsync("web"), v => ReadyAfterRestarts(v, 1), "web back Running and Aligned after kill -9", seconds: (int)Restored.TotalSeconds);
        Assert.Equal(ExitReasons.Crashed, restarted!.Status!.Restarts!.LastExitReason);
        Assert.Contains($"QEMU pid {first} exited on its own (crashed or killed)", restarted.Status.Restarts.LastExitMessage, StringComparison.Ordinal);
        Assert.Equal("1.000", restarted.Status.Numastat!.LocalRatio);
        var second = Assert.Single(QemuHost.QemuPids(uid));
        Assert.NotEqual(first, second);
        await GuestSerial.WaitForMarkerAsync(SerialLog(uid), "READY", TimeSpan.FromSeconds(120));
        var events = await fixture.EventsAboutAsync("web");
        Assert.Contains(events, e => e.Type == "Warning" && e.Reason == VmRuntimeReconciler.EventExited);
        Assert.Contains(events, e => e.Reason == VmRuntimeReconciler.EventRestarted);

        // The reboot case: the agent is away when its QEMU dies; the next agent finds only the state dir and restores it.
        await fixture.StopAsync(agentIndex);
        QemuHost.Kill(second);
        await Eventually.HoldsAsync(() => !ProcFs.IsAlive(second), TimeSpan.FromSeconds(15), $"QEMU pid {second} gone", TimeSpan.FromMilliseconds(50));
        (_, agentIndex) = fixture.StartAgent(Options());
        var restored = await fixture.WaitForAsync(() => fixture.VmAsync("web"), v => ReadyAfterRestarts(v, 2), "web restored by the restarted agent", seconds: (int)Restored.TotalSeconds);
        Assert.Equal(ExitReasons.Lost, restored!.Status!.Restarts!.LastExitReason);
        var third = Assert.Single(QemuHost.QemuPids(uid));

        // Halted: stopped for good, also across another agent restart.
        await fixture.PatchVmAsync("web", PowerPatch.For(restored, PowerAction.Stop, DateTime.UtcNow));
        await fixture.WaitForAsync(() => fixture.VmAsync("web"), v => v?.Status?.Phase == AgentConditions.PhaseStopped && v.Spec.RunStrategy == RunStrategies.Halted, "web Stopped (Halted)");
        await Eventually.HoldsAsync(() => !ProcFs.IsAlive(third), TimeSpan.FromSeconds(15), $"QEMU pid {third} gone", TimeSpan.FromMilliseconds(50));
        await fixture.StopAsync(agentIndex);
        fixture.StartAgent(Options());
        await Eventually.ConsistentlyAsync(
            () => fixture.VmAsync("web"),
            v => v?.Status?.Phase == AgentConditions.PhaseStopped && QemuHost.QemuPids(uid).Count == 0 && ConditionList.Find(v.Status.Conditions, VmConditions.Reconciling) is null,
            TimeSpan.FromSeconds(5),
            "web stays stopped and Current");
        Assert.Equal(2, (await fixture.VmAsync("web"))!.Status!.Restarts!.Count);
    }

    [SkippableFact]
    public async Task Rerun_on_failure_leaves_a_guest_that_powered_off_stopped()
    {
        Skip.IfNot(host.Available, QemuHost.SkipReason);
        using var pages = host.Reserve(VmPages + 8);
        await using var fixture = await StartAsync();
        var (agent, _) = fixture.StartAgent(Options());
        fixture.StartController();
        await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var uid = Guid.Parse((await fixture.CreateVmAsync(GuestVm("batch", RunStrategies.RerunOnFailure, "numaguest.poweroff=1"), uids)).Metadata.Uid);

        var stopped = await fixture.WaitForAsync(
            () => fixture.VmAsync("batch"), v => v?.Status is { Phase: AgentConditions.PhaseStopped, Restarts: not null }, "batch Stopped after the guest powered off", seconds: 120);
        Assert.Equal(ExitReasons.GuestShutdown, stopped!.Status!.Restarts!.LastExitReason);
        Assert.Null(stopped.Status.Restarts.NextRestartAt);
        Assert.Contains("exited after the guest powered off", stopped.Status.Restarts.LastExitMessage, StringComparison.Ordinal);
        Assert.Contains("NUMAGUEST-READY", stopped.Status.Restarts.LastExitMessage, StringComparison.Ordinal); // the serial tail: it booted, then powered off
        Assert.Contains(await fixture.EventsAboutAsync("batch"), e => e.Type == "Normal" && e.Reason == VmRuntimeReconciler.EventExited);
        await Eventually.ConsistentlyAsync(
            () => fixture.VmAsync("batch"),
            v => v?.Status?.Phase == AgentConditions.PhaseStopped && QemuHost.QemuPids(uid).Count == 0
                && ConditionList.Find(v.Status.Conditions, VmConditions.Reconciling) is null && ConditionList.Find(v.Status.Conditions, VmConditions.Stalled) is null,
            TimeSpan.FromSeconds(12),
            "batch stays stopped and Current (longer than the 10 s backoff)");
    }

    public void Dispose() => QemuHost.CleanUp(uids, stateDir, imageRoot);
}
