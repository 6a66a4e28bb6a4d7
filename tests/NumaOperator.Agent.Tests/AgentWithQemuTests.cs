using k8s;
using k8s.Models;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Qemu.Host;
using NumaOperator.Tests.Shared;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using NumaOperator.Api.Status;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// The controller and the agent against one embedded API server over HTTP, real /sys, real QEMU (TCG) with 2 MiB
/// hugepages: the whole lifecycle of a VM, adoption across an agent restart, pre-flight failures (a QEMU that dies: AgentRunStrategyWithQemuTests).
/// </summary>
[Collection(RealQemuGroup.Name)]
public sealed class AgentWithQemuTests(QemuHost host) : IDisposable
{
    private const string Node = "qemu-node";
    private const long VmPages = 32; // 64Mi of 2Mi pages
    private readonly string stateDir = Path.Combine("/tmp", "naq-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string imageRoot = Directory.CreateTempSubdirectory("numaop-agent-images-").FullName;
    private readonly List<Guid> uids = [];

    private AgentOptions Options() => AgentTestVms.QemuAgentOptions(Node, stateDir, imageRoot);

    private static NumaVirtualMachine Vm(string name, string? kernel = null) => AgentTestVms.Vm(name, kernel);

    private static bool IsReady(NumaVirtualMachine? vm) => AgentTestVms.IsReady(vm);

    private static async Task<AgentFixture> StartAsync()
    {
        var fixture = await AgentFixture.StartAsync();
        await fixture.AddNodeAsync(Node);
        return fixture;
    }

    private static async Task DeleteAsync(AgentFixture fixture, string name) =>
        await fixture.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, name);

    private static Task WaitGoneAsync(int pid) =>
        Eventually.HoldsAsync(() => !ProcFs.IsAlive(pid), TimeSpan.FromSeconds(15), $"QEMU pid {pid} is gone", TimeSpan.FromMilliseconds(50));

    [SkippableFact]
    public async Task Runs_aligns_stops_starts_adopts_across_a_restart_and_deletes_a_vm()
    {
        Skip.IfNot(host.Available, QemuHost.SkipReason);
        using var pages = host.Reserve(VmPages + 8);
        var exported = new List<Metric>();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(AgentTelemetry.Name).AddInMemoryExporter(exported).Build()!;
        await using var fixture = await StartAsync();
        // A leftover of a VM deleted while no agent ran: no QEMU, no VM → removed once the agent has synced.
        var leftover = Path.Combine(stateDir, "vms", Guid.NewGuid().ToString("D"));
        Directory.CreateDirectory(leftover);
        var (agent, agentIndex) = fixture.StartAgent(Options());
        fixture.StartController();
        await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(Directory.Exists(leftover));

        var created = await fixture.CreateVmAsync(Vm("vm1"), uids);
        var uid = Guid.Parse(created.Metadata.Uid);
        var vm = await fixture.WaitForAsync(() => fixture.VmAsync("vm1"), IsReady, "vm1 Running, NumaAligned, Ready", seconds: 60);
        var numastat = vm!.Status!.Numastat!;
        Assert.Equal("1.000", numastat.LocalRatio);
        Assert.Equal(64L << 20, numastat.Nodes.Single(n => n.Node == 0).Bytes);
        Assert.Equal(NumaOperator.Qemu.Measurement.NumaVerdict.ReasonAligned, ConditionList.Find(vm.Status.Conditions, AgentConditions.NumaAligned)!.Reason);
        var pid = Assert.Single(QemuHost.QemuPids(uid));
        Assert.Equal(pid, agent.RunningVms[uid]);
        Assert.Contains($"Uid:\t{NumaOperator.Qemu.CommandLine.QemuUser.Default.Uid}\t", File.ReadAllText($"/proc/{pid}/status"), StringComparison.Ordinal); // --qemu-user's default: QEMU dropped root
        Assert.True(File.Exists(Path.Combine(stateDir, "vms", uid.ToString("D"), "qmp.sock")));
        Assert.Contains(await fixture.EventsAboutAsync("vm1"), e => e.Reason == VmRuntimeReconciler.EventStarted);

        // Samples every 2 s, but nothing changed: no status write (the resourceVersion stays).
        await Eventually.ConsistentlyAsync(
            () => fixture.VmAsync("vm1"),
            now => now!.Metadata.ResourceVersion == vm.Metadata.ResourceVersion,
            TimeSpan.FromSeconds(5),
            "the sampled VM's resourceVersion stays while nothing changes",
            describe: now => $"resourceVersion {now?.Metadata.ResourceVersion}, was {vm.Metadata.ResourceVersion}",
            poll: TimeSpan.FromMilliseconds(500));

        meters.ForceFlush();
        var ratio = TopologyPublishingTests.Points(exported, "numaoperator.vm.local_ratio").Single(p => TopologyPublishingTests.Tag(p, "name") == "vm1");
        Assert.Equal(1.0, ratio.GetGaugeLastValueDouble());
        Assert.Equal(Node, TopologyPublishingTests.Tag(ratio, "node"));

        // Agent restart: the VM survives and is adopted, never started twice.
        await fixture.StopAsync(agentIndex);
        Assert.True(ProcFs.IsAlive(pid));
        var (second, _) = fixture.StartAgent(Options());
        await second.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        vm = await fixture.WaitForAsync(
            () => fixture.VmAsync("vm1"),
            v => IsReady(v) && ConditionList.Find(v!.Status!.Conditions, AgentConditions.Running)!.Message!.Contains("adopted", StringComparison.Ordinal),
            "vm1 adopted");
        Assert.Equal(pid, second.RunningVms[uid]);
        Assert.Equal([pid], QemuHost.QemuPids(uid));

        // spec.running false: QEMU stops, the VM is Stopped and keeps its placement.
        await fixture.PatchVmAsync("vm1", """{"spec":{"running":false}}""");
        vm = await fixture.WaitForAsync(() => fixture.VmAsync("vm1"), v => v?.Status?.Phase == "Stopped", "vm1 Stopped");
        await WaitGoneAsync(pid);
        var running = ConditionList.Find(vm!.Status!.Conditions, AgentConditions.Running)!;
        Assert.Equal(("False", AgentConditions.ReasonStopped), (running.Status, running.Reason));
        Assert.False(ConditionList.IsTrue(vm.Status.Conditions, AgentConditions.Ready));
        Assert.Null(vm.Status.Numastat);
        Assert.NotNull(vm.Status.Placement);
        Assert.False(Directory.Exists(Path.Combine(stateDir, "vms", uid.ToString("D"))));

        // running true again: a new QEMU.
        await fixture.PatchVmAsync("vm1", """{"spec":{"running":true}}""");
        await fixture.WaitForAsync(() => fixture.VmAsync("vm1"), IsReady, "vm1 running again", seconds: 60);
        var pid2 = Assert.Single(QemuHost.QemuPids(uid));
        Assert.NotEqual(pid, pid2);

        // Delete: QEMU stops, its pages come back, the controller releases the placement and the object is gone.
        var freeWhileRunning = host.FreePages;
        await DeleteAsync(fixture, "vm1");
        await fixture.WaitForAsync(() => fixture.VmAsync("vm1"), v => v is null, "vm1 gone");
        await WaitGoneAsync(pid2);
        Assert.Empty(QemuHost.QemuPids(uid));
        Assert.True(host.FreePages >= freeWhileRunning + VmPages, $"free 2Mi pages on node 0: {host.FreePages}, expected at least {freeWhileRunning} + {VmPages} back");
        Assert.False(Directory.Exists(Path.Combine(stateDir, "vms", uid.ToString("D"))));
    }

    [SkippableFact]
    public async Task A_bad_boot_file_becomes_failed_with_the_reason_and_an_event_and_is_not_retried()
    {
        Skip.IfNot(host.Available, QemuHost.SkipReason);
        using var pages = host.Reserve(VmPages + 8); // the failed VM keeps its placement (capacity)
        await using var fixture = await StartAsync();
        var (agent, _) = fixture.StartAgent(Options());
        fixture.StartController();
        await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        // A boot kernel that is not in the image root: refused before anything starts.
        var bad = await fixture.CreateVmAsync(Vm("badboot", kernel: "vmlinuz-missing"), uids);
        var badUid = Guid.Parse(bad.Metadata.Uid);
        var failed = await fixture.WaitForAsync(() => fixture.VmAsync("badboot"), v => v?.Status?.Phase == "Failed", "badboot Failed");
        var running = ConditionList.Find(failed!.Status!.Conditions, AgentConditions.Running)!;
        Assert.Equal(("False", AgentConditions.ReasonBadBootFile), (running.Status, running.Reason));
        Assert.Contains("spec.boot.kernel", running.Message, StringComparison.Ordinal);
        Assert.Contains("vmlinuz-missing", running.Message, StringComparison.Ordinal);
        await fixture.WaitForAsync(() => fixture.EventsAboutAsync("badboot"), e => e.Any(x => x.Type == "Warning" && x.Reason == AgentConditions.ReasonBadBootFile), "badboot Warning Event");
        Assert.Empty(QemuHost.QemuPids(badUid));
        Assert.False(Directory.Exists(Path.Combine(stateDir, "vms", badUid.ToString("D"))));

        await DeleteAsync(fixture, "badboot");
        await fixture.WaitForAsync(() => fixture.VmAsync("badboot"), v => v is null, "badboot gone");
    }

    [SkippableFact]
    public async Task Without_the_binding_the_agent_reports_not_aligned_with_the_numbers_and_a_warning_event()
    {
        Skip.IfNot(host.Available, QemuHost.SkipReason);
        using var pages = host.Reserve(VmPages + 8);
        await using var fixture = await StartAsync();
        // The NUMA lab's control run on one node: memory lands on node 0 by chance, but nothing binds it (the seed bug).
        var (agent, _) = fixture.StartAgent(Options() with { OmitBindingForTest = true });
        fixture.StartController();
        await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var created = await fixture.CreateVmAsync(Vm("unbound"), uids);

        var vm = await fixture.WaitForAsync(
            () => fixture.VmAsync("unbound"),
            v => ConditionList.Find(v?.Status?.Conditions, AgentConditions.NumaAligned) is { Status: "False" },
            "unbound measured",
            seconds: 60);
        var aligned = ConditionList.Find(vm!.Status!.Conditions, AgentConditions.NumaAligned)!;
        Assert.Equal(NumaOperator.Qemu.Measurement.NumaVerdict.ReasonUnbound, aligned.Reason);
        Assert.Contains("guest node 0: policy default, not bind:0", aligned.Message, StringComparison.Ordinal);
        Assert.True(ConditionList.IsTrue(vm.Status.Conditions, AgentConditions.Running));
        var ready = ConditionList.Find(vm.Status.Conditions, AgentConditions.Ready)!;
        Assert.Equal(("False", AgentConditions.ReasonNotAligned), (ready.Status, ready.Reason));
        Assert.NotNull(vm.Status.Numastat);
        await fixture.WaitForAsync(
            () => fixture.EventsAboutAsync("unbound"),
            e => e.Any(x => x.Type == "Warning" && x.Reason == NumaOperator.Qemu.Measurement.NumaVerdict.ReasonUnbound && x.Message == aligned.Message),
            "NumaAligned Warning Event");

        await DeleteAsync(fixture, "unbound");
        await fixture.WaitForAsync(() => fixture.VmAsync("unbound"), v => v is null, "unbound gone");
        Assert.Empty(QemuHost.QemuPids(Guid.Parse(created.Metadata.Uid)));
    }

    public void Dispose() => QemuHost.CleanUp(uids, stateDir, imageRoot);
}
