using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer;
using NumaOperator.ApiServer.Admission;
using NumaOperator.ControllerRuntime;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// Captures the status corpus (tests/fixtures/status-corpus) from real runs: the embedded API server, the controller
/// and agents with real QEMU (TCG) and real hugepages, driven through every state GitOps tools must read right, each
/// VM version recorded from a watch. The run fails when what the code writes no longer matches the committed corpus
/// (the kstatus port and the Argo CD health check in tests/NumaOperator.Packaging.Tests read the corpus);
/// NUMAOP_UPDATE_STATUS_CORPUS=1 rewrites it instead.
/// </summary>
[Collection(RealQemuGroup.Name)]
public sealed class StatusCorpusCaptureTests(QemuHost host) : IDisposable
{
    private const string Bound = "corpus-node";
    private const string Unbound = "corpus-unbound-node";
    private const long VmPages = 32; // 64Mi of 2Mi pages
    private static readonly TimeSpan NodeLostAfter = TimeSpan.FromSeconds(6); // agents beat every second here
    private readonly string stateRoot = Path.Combine("/tmp", "nsc-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string imageRoot = Directory.CreateTempSubdirectory("numaop-corpus-images-").FullName;
    private readonly List<Guid> uids = [];
    private readonly ConcurrentQueue<NumaVirtualMachine> history = new();
    private readonly List<string> stale = [];

    private AgentOptions Options(string node, bool unbound = false) => new()
    {
        NodeName = node,
        StateDirectory = Path.Combine(stateRoot, node),
        ImageRoot = imageRoot,
        SampleInterval = TimeSpan.FromSeconds(2),
        LivenessInterval = TimeSpan.FromMilliseconds(500),
        StopGrace = TimeSpan.FromSeconds(1),
        TopologyPollInterval = TimeSpan.FromMilliseconds(500),
        HeartbeatInterval = TimeSpan.FromSeconds(1),
        OmitBindingForTest = unbound,
    };

    private static NumaVirtualMachine Vm(string name, string node, string? kernel = null, string pageSize = "2Mi", string size = "64Mi") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new NumaVirtualMachineSpec
        {
            Running = true,
            Accelerator = "Emulation", // the same status on machines with and without KVM: the corpus must not depend on the host
            Cpu = new CpuSpec { Cores = 1 },
            Memory = new MemorySpec { Size = size, Hugepages = new HugepagesSpec { PageSize = pageSize } },
            Numa = new NumaSpec { Nodes = "0" },
            NodeSelector = new Dictionary<string, string> { ["kubernetes.io/hostname"] = node },
            Boot = kernel is null ? null : new BootSpec { Kernel = kernel },
        },
    };

    [SkippableFact]
    public async Task Status_corpus_is_what_the_controller_and_agents_write_in_real_runs()
    {
        Skip.IfNot(host.Available, QemuHost.SkipReason);
        using var pages = host.Reserve((2 * VmPages) + 8);
        await using var fixture = await AgentFixture.StartAsync();
        await fixture.AddNodeAsync(Bound);
        await fixture.AddNodeAsync(Unbound);
        using var recording = new CancellationTokenSource();
        var recorder = RecordAsync(fixture, recording.Token);
        var (bound, boundIndex) = fixture.StartAgent(Options(Bound));
        var (unbound, _) = fixture.StartAgent(Options(Unbound, unbound: true));
        await bound.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        await unbound.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        // Before any controller runs, a created VM has no status at all.
        Capture("created", await fixture.CreateVmAsync(Vm("db", Bound), uids));
        fixture.StartController(NodeLostAfter);

        // 1 TiB of 1Gi pages on host NUMA node 0: no test host has that, so it waits for capacity.
        await fixture.CreateVmAsync(Vm("huge", Bound, pageSize: "1Gi", size: "1Ti"), uids);
        Capture("unschedulable", await RecordedAsync("huge", v => ReconcilingReason(v) == ProgressConditions.ReasonUnschedulable));

        // Placed, started, measured on its NUMA node: the whole way recorded from the watch.
        var db = await RecordedAsync("db", IsReady, seconds: 90);
        Capture("starting", First("db", v => v.Status?.Phase == "Starting"));
        Capture("running-aligned", db);

        // A kernel that is not in the image root: refused by the agent's pre-flight, not retried.
        await fixture.CreateVmAsync(Vm("badboot", Bound, kernel: "vmlinuz-missing"), uids);
        Capture("stalled-bad-boot-file", await RecordedAsync("badboot", v => StalledReason(v) == VmConditions.ReasonBadBootFile));
        await fixture.PatchVmAsync("badboot", """{"spec":{"running":false}}""");
        Capture("stopped", await RecordedAsync("badboot", v => ProgressConditions.IsStoppedAsAsked(v) && ReconcilingReason(v) is null));

        // The agent without the binding (the seed bug): memory measured not bound to the placed node.
        await fixture.CreateVmAsync(Vm("unbound", Unbound), uids);
        var notAligned = await RecordedAsync("unbound", v => StalledReason(v) == VmConditions.ReasonNotAligned, seconds: 90);
        Capture("not-aligned", notAligned);
        QemuHost.Kill(Assert.Single(QemuHost.QemuPids(Guid.Parse(notAligned.Metadata.Uid))));
        Capture("restart-backoff", await RecordedAsync("unbound", v => ReconcilingReason(v) == VmConditions.ReasonRestartBackoff));

        // The bound node's agent stops (QEMU keeps running): the controller's verdict, then its return.
        await fixture.StopAsync(boundIndex);
        var lost = await RecordedAsync("db", v => StalledReason(v) == VmConditions.ReasonNodeLost, seconds: 30);
        Capture("node-lost", lost);
        var (back, _) = fixture.StartAgent(Options(Bound));
        await back.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Capture("node-recovered", await RecordedAsync("db", IsReady, seconds: 30, after: lost));

        // Deleted while running: the first version carrying deletionTimestamp, then gone.
        var pid = Assert.Single(QemuHost.QemuPids(Guid.Parse(db.Metadata.Uid)));
        await fixture.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "db");
        await fixture.WaitForAsync(() => fixture.VmAsync("db"), v => v is null, "db deleted", seconds: 30);
        Capture("deleting", First("db", v => v.Metadata.DeletionTimestamp is not null && v.Status?.Phase == "Stopping"));
        Assert.False(NumaOperator.Qemu.Host.ProcFs.IsAlive(pid), $"QEMU pid {pid} of the deleted VM still runs");

        Capture("stalled-invalid-spec", await InvalidSpecAsync());
        await recording.CancelAsync();
        await recorder;
        Assert.True(stale.Count == 0, string.Join("\n", stale));
    }

    /// <summary>
    /// A spec only the validation core refuses reaches the controller on a real cluster (the embedded server refuses
    /// it at apply time), so this state is captured from a second embedded server with admission off.
    /// </summary>
    private static async Task<NumaVirtualMachine> InvalidSpecAsync()
    {
        await using var server = await EmbeddedApiServer.StartAsync(new ApiServerOptions { Admission = new AdmissionChain() });
        using var client = new Kubernetes(server.ClientConfiguration());
        using var stop = new CancellationTokenSource();
        var controller = new Controller.ControllerHost(client, new Controller.ControllerHostOptions());
        var run = Task.Run(() => controller.RunAsync(stop.Token));
        var vm = Vm("invalid", Bound);
        vm.Spec.Numa!.Nodes = "0,0";
        vm.Spec.Numa.GuestNodes = 2;
        vm.Spec.Cpu.Cores = 2;
        var vms = new GenericClient(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, disposeClient: false);
        await vms.CreateNamespacedAsync(vm, "default");
        var stalled = await Eventually.UntilAsync(
            () => vms.ReadNamespacedAsync<NumaVirtualMachine>("default", "invalid"), v => StalledReason(v) == VmConditions.ReasonInvalidSpec,
            TimeSpan.FromSeconds(30), "invalid Stalled", v => KubernetesJson.Serialize(v.Status));
        await stop.CancelAsync();
        await run;
        return stalled;
    }

    private void Capture(string state, NumaVirtualMachine vm)
    {
        if (StatusCorpus.Check(state, vm) is { } problem)
        {
            stale.Add(problem);
        }
    }

    /// <summary>Every version of every VM the watch delivers, in order.</summary>
    private async Task RecordAsync(AgentFixture fixture, CancellationToken ct)
    {
        var informer = new Informer<NumaVirtualMachine>(
            new CustomResourceApi<NumaVirtualMachine, NumaVirtualMachineList>(fixture.Client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural),
            new InformerOptions { WatchTimeoutSeconds = 20 });
        informer.Changed += change => history.Enqueue(ObjectKey.Clone(change.Item));
        try
        {
            await informer.RunAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private NumaVirtualMachine First(string name, Func<NumaVirtualMachine, bool> state) =>
        history.FirstOrDefault(v => v.Metadata.Name == name && state(v))
        ?? throw new InvalidOperationException($"{name} never passed through the state; versions seen:\n{Seen(name)}");

    /// <summary>The latest recorded version of <paramref name="name"/> in the state (recorded after <paramref name="after"/> when given).</summary>
    private async Task<NumaVirtualMachine> RecordedAsync(string name, Func<NumaVirtualMachine, bool> state, int seconds = 60, NumaVirtualMachine? after = null)
    {
        var found = await Eventually.UntilAsync(
            () => Task.FromResult(history
                .SkipWhile(v => after is not null && v.Metadata.ResourceVersion != after.Metadata.ResourceVersion)
                .LastOrDefault(v => v.Metadata.Name == name && v != after && state(v))),
            v => v is not null, TimeSpan.FromSeconds(seconds), $"{name} reaching the state", _ => Seen(name));
        return found!;
    }

    private string Seen(string name) =>
        string.Join('\n', history.Where(v => v.Metadata.Name == name).Select(v => StatusCorpus.Projection(StatusCorpus.Normalize(v))));

    private static bool IsReady(NumaVirtualMachine v) =>
        ConditionList.FindFor(v.Status?.Conditions, VmConditions.Ready, VmConditions.True, v.Metadata.Generation) is not null && ReconcilingReason(v) is null;

    private static string? ReconcilingReason(NumaVirtualMachine v) => ConditionList.Find(v.Status?.Conditions, VmConditions.Reconciling)?.Reason;

    private static string? StalledReason(NumaVirtualMachine v) => ConditionList.Find(v.Status?.Conditions, VmConditions.Stalled)?.Reason;

    public void Dispose() => QemuHost.CleanUp(uids, stateRoot, imageRoot);
}
