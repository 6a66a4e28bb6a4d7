using k8s;
using k8s.Models;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Qemu.Host;
using NumaOperator.Api.Status;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// A VM whose numaoperator.io/node label moves away from an agent's node leaves that agent's label-selected informer
/// (the server sends DELETED) and so the agent: a QEMU it ran for it is stopped, the VM is not its own any more.
/// </summary>
[Collection(RealQemuGroup.Name)]
public sealed class NodeSelectionTests(QemuHost host) : IDisposable
{
    private const string Here = "qemu-node";
    private const string There = "other-node";
    private const long VmPages = 32; // 64Mi of 2Mi pages
    private readonly string stateHere = Path.Combine("/tmp", "nsh-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string stateThere = Path.Combine("/tmp", "nst-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string imageRoot = Directory.CreateTempSubdirectory("numaop-agent-images-").FullName;
    private readonly List<Guid> uids = [];

    private AgentOptions Options(string node, string stateDirectory) => new()
    {
        NodeName = node,
        StateDirectory = stateDirectory,
        ImageRoot = imageRoot,
        SampleInterval = TimeSpan.FromSeconds(2),
        LivenessInterval = TimeSpan.FromMilliseconds(500),
        StopGrace = TimeSpan.FromSeconds(1),
        TopologyPollInterval = TimeSpan.FromMilliseconds(500),
        HeartbeatInterval = TimeSpan.FromSeconds(5),
    };

    private static NumaVirtualMachine Vm(string name, string node)
    {
        var vm = AgentTestVms.Vm(name);
        vm.Metadata.Labels = new Dictionary<string, string> { [ApiGroup.NodeLabel] = node };
        return vm;
    }

    private static Task<object> MoveLabelAsync(AgentFixture fixture, string name, string node) =>
        fixture.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("{\"metadata\":{\"labels\":{\"" + ApiGroup.NodeLabel + "\":\"" + node + "\"}}}", V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, name);

    /// <summary>What the controller writes for a placement on host node 0 (no controller runs: nothing reverts the moves).</summary>
    private static Task<object> PlaceAsync(AgentFixture fixture, string name, string node) =>
        fixture.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(
                "{\"status\":{\"phase\":\"Scheduled\",\"nodeName\":\"" + node + "\",\"placement\":{\"pageSize\":\"2Mi\",\"guestNodes\":"
                + "[{\"guestNode\":0,\"hostNode\":0,\"vcpus\":\"0\",\"hostCpus\":\"\",\"memory\":\"64Mi\"}]}}}",
                V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, name);

    private static bool RunsOn(NumaVirtualMachine? vm, string node) =>
        vm?.Status is { Phase: AgentConditions.PhaseRunning, NodeName: var placed } s && placed == node
        && ConditionList.Find(s.Conditions, AgentConditions.Running) is { Status: "True", Message: var message }
        && message!.Contains($" on {node}", StringComparison.Ordinal);

    [Fact]
    public async Task The_agents_informer_drops_a_vm_whose_label_moves_away_and_takes_it_back_when_it_returns()
    {
        await using var fixture = await AgentFixture.StartAsync();
        var informer = new Informer<NumaVirtualMachine>(
            new CustomResourceApi<NumaVirtualMachine, NumaVirtualMachineList>(fixture.Client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, labelSelector: $"{ApiGroup.NodeLabel}={Here}"),
            new InformerOptions { WatchTimeoutSeconds = 20 });
        var changes = new System.Collections.Concurrent.ConcurrentQueue<(WatchEventType Type, string? Node)>();
        informer.Changed += c => changes.Enqueue((c.Type, c.Item.Metadata.Labels?.TryGetValue(ApiGroup.NodeLabel, out var n) == true ? n : null));
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        try
        {
            await fixture.Vms.CreateNamespacedAsync(Vm("a", Here), "default");
            await informer.WaitForSyncAsync(stop.Token).WaitAsync(TimeSpan.FromSeconds(10));
            await fixture.WaitForAsync(() => Task.FromResult(informer.Cache.Get("default/a")), v => v is not null, "a in the cache");

            await MoveLabelAsync(fixture, "a", There);
            await fixture.WaitForAsync(() => Task.FromResult(informer.Cache.Get("default/a")), v => v is null, "a dropped");
            await fixture.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
                new V1Patch("""{"spec":{"cpu":{"cores":2}}}""", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "a");
            await MoveLabelAsync(fixture, "a", Here);
            var back = await fixture.WaitForAsync(() => Task.FromResult(informer.Cache.Get("default/a")), v => v is not null, "a back");
            Assert.Equal(2, back!.Spec.Cpu.Cores); // the change made while away arrives with the return
            Assert.Equal(1, informer.Lists); // by watch events, not a re-list
            Assert.Equal([(WatchEventType.Added, Here), (WatchEventType.Deleted, Here), (WatchEventType.Added, Here)], changes);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    [SkippableFact]
    public async Task A_vm_re_placed_to_another_node_is_stopped_here_and_started_there()
    {
        Skip.IfNot(host.Available, QemuHost.SkipReason);
        using var pages = host.Reserve((2 * VmPages) + 8); // both agents run on this host: room for both QEMUs at once
        await using var fixture = await AgentFixture.StartAsync();
        await fixture.AddNodeAsync(Here);
        await fixture.AddNodeAsync(There);
        var (here, _) = fixture.StartAgent(Options(Here, stateHere));
        var (there, _) = fixture.StartAgent(Options(There, stateThere));
        await here.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        await there.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        var created = await fixture.Vms.CreateNamespacedAsync(Vm("vm1", Here), "default");
        var uid = Guid.Parse(created.Metadata.Uid);
        uids.Add(uid);
        await PlaceAsync(fixture, "vm1", Here);
        await fixture.WaitForAsync(() => fixture.VmAsync("vm1"), v => RunsOn(v, Here), "vm1 running here", seconds: 60);
        var pidHere = Assert.Single(QemuHost.QemuPids(uid));
        Assert.Equal(pidHere, here.RunningVms[uid]);

        // Re-placed as the controller writes it: the placement first, then the label.
        await PlaceAsync(fixture, "vm1", There);
        await MoveLabelAsync(fixture, "vm1", There);
        await fixture.WaitForAsync(() => fixture.VmAsync("vm1"), v => RunsOn(v, There), "vm1 running there", seconds: 60);
        var stateDirHere = Path.Combine(stateHere, "vms", uid.ToString("D"));
        await fixture.WaitForAsync(
            () => Task.FromResult($"alive={ProcFs.IsAlive(pidHere)} held={here.RunningVms.ContainsKey(uid)} stateDir={Directory.Exists(stateDirHere)}"),
            s => s == "alive=False held=False stateDir=False",
            $"QEMU pid {pidHere} stopped on {Here}, not held, its state dir removed",
            seconds: 15);
        var pidThere = Assert.Single(QemuHost.QemuPids(uid));
        Assert.Equal(pidThere, there.RunningVms[uid]);

        // Deleted (no controller, so no finalizer): stopped there too.
        await fixture.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "vm1");
        await fixture.WaitForAsync(() => Task.FromResult(QemuHost.QemuPids(uid)), p => p.Count == 0, "vm1's QEMU gone");
    }

    public void Dispose()
    {
        QemuHost.KillAll(uids);
        foreach (var dir in new[] { stateHere, stateThere, imageRoot })
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
