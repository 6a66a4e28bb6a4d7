using k8s;
using k8s.Models;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Tests.Shared;
using NumaOperator.Api.Status;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// The agent's whole VM lifecycle through its seam to the VM processes: the real reconciler, informer, status writes
/// and Events against the embedded API server and the real scheduling controller, on a fixture host (sysfs tree)
/// whose QEMU is <see cref="FakeVmRuntime"/>. Fast, no QEMU, no hugepages; AgentWithQemuTests covers the same with
/// real processes.
/// </summary>
public sealed class VmLifecycleWithoutQemuTests
{
    private const string Node = "fake-node";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);
    private readonly FakeVmRuntime runtime = new();

    /// <summary>A fake node's agent with short intervals (shared with VmDisksWithoutQemuTests).</summary>
    internal static AgentOptions Options() => new()
    {
        NodeName = Node,
        SysfsRoot = RepoPaths.Fixture("sysfs", "intel-2s-smt"),
        StateDirectory = "/nonexistent/numaop-fake-agent", // the fake runtime keeps its state dirs in memory
        SampleInterval = TimeSpan.FromMilliseconds(500),
        LivenessInterval = TimeSpan.FromMilliseconds(100),
        PreflightRetryInterval = TimeSpan.FromMilliseconds(300),
        TopologyPollInterval = TimeSpan.FromMilliseconds(200),
        HeartbeatInterval = TimeSpan.FromSeconds(1),
        RestartBackoff = new RestartBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), TimeSpan.FromMinutes(10)),
    };

    internal static NumaVirtualMachine Vm(string name, string? kernel = null) => AgentTestVms.Vm(name, kernel);

    private static bool IsReady(NumaVirtualMachine? vm) => AgentTestVms.IsReady(vm);

    private static bool FailedWith(NumaVirtualMachine? vm, string reason) =>
        vm?.Status is { Phase: AgentConditions.PhaseFailed } s && ConditionList.Find(s.Conditions, AgentConditions.Running)?.Reason == reason;

    private static string Describe(NumaVirtualMachine? vm) => vm is null ? "no such VM" : KubernetesJson.Serialize(vm.Status);

    private static async Task<(AgentFixture Fixture, AgentHost Agent, int Index)> StartAsync(FakeVmRuntime runtime)
    {
        var fixture = await AgentFixture.StartAsync();
        await fixture.AddNodeAsync(Node);
        var (agent, index) = fixture.StartAgent(Options(), runtime);
        fixture.StartController();
        await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(Within);
        return (fixture, agent, index);
    }

    private static Task<NumaVirtualMachine?> UntilAsync(AgentFixture fixture, string name, Func<NumaVirtualMachine?, bool> done, string what) =>
        Eventually.UntilAsync(() => fixture.VmAsync(name), done, Within, what, Describe, () => fixture.Log);

    private static async Task<Guid> CreateAsync(AgentFixture fixture, NumaVirtualMachine vm) =>
        Guid.Parse((await fixture.CreateVmAsync(vm, new List<Guid>())).Metadata.Uid);

    private static Task<IList<Corev1Event>> WarningAsync(AgentFixture fixture, string name, string reason) =>
        Eventually.UntilAsync(() => fixture.EventsAboutAsync(name), e => e.Any(x => x.Type == "Warning" && x.Reason == reason), Within, $"{name}: Warning Event {reason}");

    [Fact]
    public async Task A_placed_vm_is_started_once_and_reported_running_aligned_and_ready()
    {
        var (fixture, agent, _) = await StartAsync(runtime);
        await using var _fixture = fixture;
        var uid = await CreateAsync(fixture, Vm("vm1", kernel: "vmlinuz"));

        var vm = await UntilAsync(fixture, "vm1", IsReady, "vm1 Running, NumaAligned, Ready");
        var pid = runtime.Alive[uid];
        Assert.Equal(pid, agent.RunningVms[uid]);
        Assert.Contains($"QEMU pid {pid} on {Node}", ConditionList.Find(vm!.Status!.Conditions, AgentConditions.Running)!.Message, StringComparison.Ordinal);
        Assert.Equal("1.000", vm.Status.Numastat!.LocalRatio);
        Assert.Contains(await fixture.EventsAboutAsync("vm1"), e => e.Reason == VmRuntimeReconciler.EventStarted);
        await Eventually.ConsistentlyAsync(() => Task.FromResult(runtime.Starts(uid)), n => n == 1, TimeSpan.FromSeconds(1), "vm1 started exactly once");
    }

    [Fact]
    public async Task Running_false_stops_the_qemu_and_running_true_starts_a_new_one()
    {
        var (fixture, _, _) = await StartAsync(runtime);
        await using var _fixture = fixture;
        var uid = await CreateAsync(fixture, Vm("vm1"));
        await UntilAsync(fixture, "vm1", IsReady, "vm1 Ready");
        var first = runtime.Alive[uid];

        await fixture.PatchVmAsync("vm1", """{"spec":{"running":false}}""");
        var vm = await UntilAsync(fixture, "vm1", v => v?.Status?.Phase == AgentConditions.PhaseStopped, "vm1 Stopped");
        Assert.False(runtime.Alive.ContainsKey(uid));
        Assert.False(runtime.HasStateDirectory(uid));
        Assert.Equal("QEMU stopped: spec.running is false", ConditionList.Find(vm!.Status!.Conditions, AgentConditions.Running)!.Message);
        Assert.NotNull(vm.Status.Placement);
        Assert.Contains(await fixture.EventsAboutAsync("vm1"), e => e.Reason == VmRuntimeReconciler.EventStopped);

        await fixture.PatchVmAsync("vm1", """{"spec":{"running":true}}""");
        await UntilAsync(fixture, "vm1", IsReady, "vm1 running again");
        Assert.NotEqual(first, runtime.Alive[uid]);
        Assert.Equal(2, runtime.Starts(uid));
    }

    [Fact]
    public async Task A_deleted_vm_has_its_qemu_stopped_and_its_state_dir_removed_before_the_object_goes()
    {
        var (fixture, agent, _) = await StartAsync(runtime);
        await using var _fixture = fixture;
        var uid = await CreateAsync(fixture, Vm("vm1"));
        await UntilAsync(fixture, "vm1", IsReady, "vm1 Ready");

        await fixture.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "vm1");
        await UntilAsync(fixture, "vm1", v => v is null, "vm1 gone");
        Assert.False(runtime.Alive.ContainsKey(uid));
        Assert.False(runtime.HasStateDirectory(uid));
        Assert.Empty(agent.RunningVms);
    }

    [Fact]
    public async Task A_qemu_left_running_by_a_previous_agent_is_adopted_and_not_started_again()
    {
        var (fixture, _, index) = await StartAsync(runtime);
        await using var _fixture = fixture;
        var uid = await CreateAsync(fixture, Vm("vm1"));
        await UntilAsync(fixture, "vm1", IsReady, "vm1 Ready");
        var pid = runtime.Alive[uid];

        await fixture.StopAsync(index);
        Assert.Equal(pid, runtime.Alive[uid]); // VMs survive the agent
        var (second, _) = fixture.StartAgent(Options(), runtime);
        await UntilAsync(
            fixture, "vm1", v => IsReady(v) && ConditionList.Find(v!.Status!.Conditions, AgentConditions.Running)!.Message!.Contains("adopted from a previous agent", StringComparison.Ordinal), "vm1 adopted");
        Assert.Equal(pid, second.RunningVms[uid]);
        Assert.Equal(1, runtime.Starts(uid));
        Assert.Contains(await fixture.EventsAboutAsync("vm1"), e => e.Reason == VmRuntimeReconciler.EventAdopted);
    }

    [Fact]
    public async Task A_failed_preflight_fails_the_vm_and_is_retried_until_the_host_is_ready()
    {
        runtime.HostProblem = "host NUMA node 0 has 0 free 2Mi hugepages, guest node 0 needs 32";
        var (fixture, _, _) = await StartAsync(runtime);
        await using var _fixture = fixture;
        var uid = await CreateAsync(fixture, Vm("vm1"));

        var vm = await UntilAsync(fixture, "vm1", v => FailedWith(v, AgentConditions.ReasonPreflightFailed), "vm1 Failed (PreflightFailed)");
        Assert.Equal("pre-flight: " + runtime.HostProblem, ConditionList.Find(vm!.Status!.Conditions, AgentConditions.Running)!.Message);
        await WarningAsync(fixture, "vm1", AgentConditions.ReasonPreflightFailed);
        Assert.Equal(0, runtime.Starts(uid));

        runtime.HostProblem = null;
        await UntilAsync(fixture, "vm1", IsReady, "vm1 started on the retry");
        Assert.Equal(1, runtime.Starts(uid));
    }

    [Fact]
    public async Task A_bad_boot_file_fails_the_vm_with_bad_boot_file_and_is_not_retried()
    {
        var (fixture, _, _) = await StartAsync(runtime);
        await using var _fixture = fixture;
        var uid = await CreateAsync(fixture, Vm("vm1", kernel: "vmlinuz-missing"));

        var vm = await UntilAsync(fixture, "vm1", v => FailedWith(v, AgentConditions.ReasonBadBootFile), "vm1 Failed (BadBootFile)");
        Assert.Contains("spec.boot.kernel \"vmlinuz-missing\"", ConditionList.Find(vm!.Status!.Conditions, AgentConditions.Running)!.Message, StringComparison.Ordinal);
        await WarningAsync(fixture, "vm1", AgentConditions.ReasonBadBootFile);

        runtime.BootFiles.Add("vmlinuz-missing"); // a retry would now start it
        await Eventually.ConsistentlyAsync(() => fixture.VmAsync("vm1"), v => FailedWith(v, AgentConditions.ReasonBadBootFile), TimeSpan.FromSeconds(1), "vm1 stays Failed (BadBootFile)", Describe);
        Assert.Equal(0, runtime.Starts(uid));
    }

    [Fact]
    public async Task A_start_that_fails_after_preflight_fails_the_vm_with_start_failed()
    {
        runtime.StartProblem = "QEMU exited with code 1: qemu-system-x86_64: cannot allocate memory";
        var (fixture, _, _) = await StartAsync(runtime);
        await using var _fixture = fixture;
        var uid = await CreateAsync(fixture, Vm("vm1"));

        var vm = await UntilAsync(fixture, "vm1", v => FailedWith(v, AgentConditions.ReasonStartFailed), "vm1 Failed (StartFailed)");
        Assert.Equal("QEMU did not start: " + runtime.StartProblem, ConditionList.Find(vm!.Status!.Conditions, AgentConditions.Running)!.Message);
        Assert.False(runtime.HasStateDirectory(uid));
    }

    [Fact]
    public async Task The_qemu_of_a_vm_deleted_while_no_agent_ran_is_stopped_when_the_agent_starts()
    {
        var orphan = Guid.NewGuid();
        runtime.LeaveRunning(orphan);
        var leftover = Guid.NewGuid();
        runtime.LeaveStateDirectory(leftover);

        var (fixture, _, _) = await StartAsync(runtime); // ready only after the orphans were cleaned
        await using var _fixture = fixture;
        Assert.False(runtime.Alive.ContainsKey(orphan));
        Assert.False(runtime.HasStateDirectory(orphan));
        Assert.False(runtime.HasStateDirectory(leftover));
    }

    [Fact]
    public async Task Status_interfaces_show_macs_taps_and_forwards_while_the_vm_runs_and_are_gone_once_it_stops()
    {
        var (fixture, _, _) = await StartAsync(runtime);
        await using var _fixture = fixture;
        var vm = Vm("net");
        vm.Spec.Interfaces =
        [
            new InterfaceSpec { Name = "default", UserNetwork = new UserNetworkSpec { PortForwards = [new PortForwardSpec { Name = "http", GuestPort = 80 }, new PortForwardSpec { GuestPort = 53, Protocol = "UDP", HostPort = 5353, HostAddress = "0.0.0.0" }] } },
            new InterfaceSpec { Name = "lan", MacAddress = "52:54:00:AB:CD:EF", Bridge = new BridgeSpec { Name = "br0" } },
        ];
        var uid = await CreateAsync(fixture, vm);

        var running = await UntilAsync(fixture, "net", IsReady, "net Ready");
        var nics = running!.Status!.Interfaces!;
        Assert.Equal(["default", "lan"], nics.Select(n => n.Name));
        Assert.Equal(NumaOperator.Api.Networking.MacAddress.Generate(uid, "default"), nics[0].MacAddress);
        Assert.Equal(
            [("http", "TCP", 80, "127.0.0.1", 40000), (null, "UDP", 53, "0.0.0.0", 5353)],
            nics[0].PortForwards!.Select(f => (f.Name, f.Protocol, f.GuestPort, f.HostAddress, f.HostPort)));
        Assert.Equal(("52:54:00:ab:cd:ef", NumaOperator.Qemu.Networking.TapNames.For(uid, "lan"), "br0"), (nics[1].MacAddress, nics[1].Tap, nics[1].Bridge));
        Assert.Null(nics[1].PortForwards);

        await fixture.PatchVmAsync("net", """{"spec":{"running":false}}""");
        var stopped = await UntilAsync(fixture, "net", v => v?.Status?.Phase == AgentConditions.PhaseStopped, "net Stopped");
        Assert.Null(stopped!.Status!.Interfaces);
    }
}
