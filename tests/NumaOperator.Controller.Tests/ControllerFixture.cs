using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer;
using NumaOperator.ControllerRuntime;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests;

/// <summary>An embedded API server, a client, simulated nodes (Node + NumaNodeTopology, no agent) and running controllers.</summary>
internal sealed class ControllerFixture : IAsyncDisposable
{
    private readonly List<(CancellationTokenSource Stop, Task Run)> controllers = [];
    private readonly CollectingLoggerProvider logs = new(LogLevel.Information, keep: 200);
    private readonly ILoggerFactory loggerFactory;

    private ControllerFixture(EmbeddedApiServer server)
    {
        Server = server;
        Client = new Kubernetes(server.ClientConfiguration());
        Vms = new GenericClient(Client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, disposeClient: false);
        loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
    }

    public EmbeddedApiServer Server { get; }

    public Kubernetes Client { get; }

    public GenericClient Vms { get; }

    /// <summary>What the controllers logged (the latest lines), for failure messages.</summary>
    public string LogText => string.Join('\n', logs.Lines);

    /// <param name="admission">false: the server admits anything (to reach the controller's own validation); true: schema and validation core.</param>
    /// <param name="watchHistory">Events the server keeps for resuming watches; older resourceVersions get 410 Gone.</param>
    /// <param name="flowControl">Seats and queues of the kubeconfig identity; null: the defaults.</param>
    public static async Task<ControllerFixture> StartAsync(bool admission = true, int watchHistory = 10_000, FlowControlOptions? flowControl = null) =>
        new(await EmbeddedApiServer.StartAsync(new ApiServerOptions
        {
            BookmarkInterval = TimeSpan.FromSeconds(1),
            WatchHistory = watchHistory,
            FlowControl = flowControl ?? new FlowControlOptions(),
            Admission = admission ? null : new NumaOperator.ApiServer.Admission.AdmissionChain(),
        }));

    /// <summary>A Node and its NumaNodeTopology: one host NUMA node per entry of <paramref name="hugepagesPerNuma"/> (2Mi pages), 8 CPUs each.</summary>
    public Task AddNodeAsync(string name, params long[] hugepagesPerNuma) => AddNodeAsync(name, hugepagesPerNuma, hugepagesPerNuma);

    /// <summary>As above with pages already in use: <paramref name="free"/> of <paramref name="totals"/> free per host NUMA node.</summary>
    public async Task AddNodeAsync(string name, long[] totals, long[] free)
    {
        await Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name } } });
        var topologies = new GenericClient(Client, ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, disposeClient: false);
        await topologies.CreateAsync(new NumaNodeTopology { Metadata = new V1ObjectMeta { Name = name } });
        await SetHugepagesAsync(name, totals, free);
    }

    /// <summary>Publishes idle pools: every page of <paramref name="hugepagesPerNuma"/> free.</summary>
    public Task SetHugepagesAsync(string name, params long[] hugepagesPerNuma) => SetHugepagesAsync(name, hugepagesPerNuma, hugepagesPerNuma);

    /// <summary>Publishes pools as an agent reads them: <paramref name="totals"/> (nr_hugepages) and <paramref name="free"/> (free_hugepages) per host NUMA node.</summary>
    public async Task SetHugepagesAsync(string name, long[] totals, long[] free)
    {
        var hugepagesPerNuma = totals;
        var status = new NumaNodeTopologyStatus
        {
            NumaNodes = [.. hugepagesPerNuma.Select((pages, id) => new NumaNodeStatus
            {
                Id = id,
                Cpus = $"{id * 8}-{(id * 8) + 7}",
                MemoryBytes = 64L << 30,
                Hugepages = [new HugepagePoolStatus { PageSize = "2Mi", Total = pages, Free = free[id] }],
                Distances = [.. hugepagesPerNuma.Select((_, other) => other == id ? 10 : 21)],
            })],
        };
        var patch = KubernetesJson.Serialize(new { status });
        await Client.CustomObjects.PatchClusterCustomObjectStatusAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, name);
    }

    /// <summary>Publishes what the node's QEMU runs, as its agent would: KVM usable or not, and the CPU models of each accelerator.</summary>
    public async Task SetAcceleratorsAsync(string name, bool kvmUsable, params string[] models)
    {
        var qemu = new QemuInfo
        {
            Version = "7.2.22",
            Kvm = kvmUsable,
            Accelerators =
            [
                new AcceleratorStatus { Name = "KVM", Usable = kvmUsable, CpuModels = kvmUsable ? ["host-passthrough", .. models] : [], Reason = kvmUsable ? null : "/dev/kvm does not exist" },
                new AcceleratorStatus { Name = "Emulation", Usable = true, CpuModels = [.. models] },
            ],
        };
        var patch = KubernetesJson.Serialize(new { status = new { qemu } });
        await Client.CustomObjects.PatchClusterCustomObjectStatusAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, name);
    }

    /// <summary>Writes status.heartbeatTime of the node's NumaNodeTopology, as its agent does every 30 s.</summary>
    public async Task BeatAsync(string node, DateTime at)
    {
        var patch = KubernetesJson.Serialize(new { status = new { heartbeatTime = at } });
        await Client.CustomObjects.PatchClusterCustomObjectStatusAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, node);
    }

    public static NumaVirtualMachine Vm(string name, int cores = 2, string size = "1Gi", bool dedicated = false) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new NumaVirtualMachineSpec
        {
            Running = true,
            Cpu = new CpuSpec { Cores = cores, Dedicated = dedicated },
            Memory = new MemorySpec { Size = size, Hugepages = new HugepagesSpec { PageSize = "2Mi" } },
        },
    };

    public Task<NumaVirtualMachine> CreateAsync(NumaVirtualMachine vm) => Vms.CreateNamespacedAsync(vm, "default");

    public Task<NumaVirtualMachine> GetAsync(string name) => Vms.ReadNamespacedAsync<NumaVirtualMachine>("default", name);

    public async Task<NumaVirtualMachineList> ListAsync() => await Vms.ListNamespacedAsync<NumaVirtualMachineList>("default");

    public const string LeaseNamespace = "kube-system";
    public const string LeaseName = "numa-operator-controller";

    /// <param name="identity">Lease holder identity; null runs without leader election.</param>
    /// <param name="leaseDuration">Default 2 s (renew deadline half of it, retry every 200 ms).</param>
    /// <param name="nodeLostAfter">Heartbeat age after which a node's VMs are NodeLost; default the controller's.</param>
    /// <param name="evacuation">Node evacuation limits; default the controller's.</param>
    /// <param name="podDeferralMaxWait">How long a placeholder pod put off in a burst waits at most; default the controller's.</param>
    public ControllerHost StartController(string? identity = null, TimeSpan? leaseDuration = null, TimeSpan? nodeLostAfter = null, NumaOperator.Controller.Evacuation.EvacuationOptions? evacuation = null, TimeSpan? podDeferralMaxWait = null)
    {
        var duration = leaseDuration ?? TimeSpan.FromSeconds(2);
        var host = new ControllerHost(Client, new ControllerHostOptions
        {
            LeaderElection = identity is null ? null : new LeaderElectionOptions(LeaseNamespace, LeaseName, identity)
            {
                LeaseDuration = duration,
                RenewDeadline = duration / 2,
                RetryPeriod = TimeSpan.FromMilliseconds(200),
            },
            Informers = new InformerOptions { WatchTimeoutSeconds = 20 },
            Scheduling = new()
            {
                NodeLostAfter = nodeLostAfter ?? NumaOperator.Controller.Scheduling.SchedulingControllerOptions.DefaultNodeLostAfter,
                PodDeferralMaxWait = podDeferralMaxWait ?? WorkQueue.LowPriorityMaxWait,
            },
            Evacuation = evacuation ?? new(),
        }, loggerFactory);
        var stop = new CancellationTokenSource();
        controllers.Add((stop, Task.Run(() => host.RunAsync(stop.Token))));
        return host;
    }

    public Task<V1Lease> ReadLeaseAsync() => Client.CoordinationV1.ReadNamespacedLeaseAsync(LeaseName, LeaseNamespace);

    /// <summary>Writes the Lease as another candidate would: <paramref name="holder"/> ("" = released) renewed now for <paramref name="seconds"/>.</summary>
    public async Task SetLeaseHolderAsync(string holder, int seconds)
    {
        for (var attempt = 1; ; attempt++)
        {
            var lease = await ReadLeaseAsync();
            var now = DateTime.UtcNow;
            lease.Spec.HolderIdentity = holder;
            lease.Spec.LeaseDurationSeconds = seconds;
            lease.Spec.AcquireTime = now;
            lease.Spec.RenewTime = now;
            lease.Spec.LeaseTransitions = (lease.Spec.LeaseTransitions ?? 0) + 1;
            try
            {
                await Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, LeaseName, LeaseNamespace);
                return;
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 10)
            {
                // The holder renewed between the read and the write: read again.
            }
        }
    }

    /// <summary>Polls <paramref name="condition"/> every 20 ms; false when it did not hold within <paramref name="seconds"/>.</summary>
    public static Task<bool> EventuallyAsync(Func<bool> condition, double seconds = 10) =>
        Eventually.LastReadingAsync(() => Task.FromResult(condition()), holds => holds, TimeSpan.FromSeconds(seconds), TimeSpan.FromMilliseconds(20));

    public async Task StopControllerAsync(int index)
    {
        var (stop, run) = controllers[index];
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Polls the VM until <paramref name="done"/> holds; fails with the last status seen after the timeout.</summary>
    public Task<NumaVirtualMachine> WaitForAsync(string name, Func<NumaVirtualMachine, bool> done, int seconds = 15) =>
        Eventually.UntilAsync(
            () => GetAsync(name),
            done,
            TimeSpan.FromSeconds(seconds),
            $"{name} converges",
            last => last.Status is null ? "none" : KubernetesJson.Serialize(last.Status),
            () => $"controller log:\n{string.Join('\n', logs.Lines)}",
            TimeSpan.FromMilliseconds(50));

    /// <summary>Scheduled=True and the second write done: the node label (what the agent selects on) and the finalizer.</summary>
    public static bool IsScheduled(NumaVirtualMachine vm) =>
        ConditionList.IsTrue(vm.Status?.Conditions, SchedulingStatus.ConditionType)
        && vm.Metadata.Labels?.ContainsKey(ApiGroup.NodeLabel) == true
        && vm.Metadata.Finalizers?.Contains(ApiGroup.Finalizer) == true;

    public static bool IsUnschedulable(NumaVirtualMachine vm) =>
        ConditionList.Find(vm.Status?.Conditions, SchedulingStatus.ConditionType)?.Reason == SchedulingStatus.ReasonUnschedulable;

    /// <summary>Every (node, NUMA node) whose placed 2Mi pages exceed <paramref name="pagesPerNuma"/>, and every host CPU pinned twice.</summary>
    public static List<string> DoubleBookings(IEnumerable<NumaVirtualMachine> vms, long pagesPerNuma)
    {
        var problems = new List<string>();
        var placed = vms.Where(v => v.Status?.Placement is not null).ToList();
        foreach (var group in placed.SelectMany(v => v.Status!.Placement!.GuestNodes.Select(g => (v.Status.NodeName, g))).GroupBy(x => (x.NodeName, x.g.HostNode)))
        {
            var pages = group.Sum(x => Numa.Quantities.ByteQuantity.Parse(x.g.Memory) / (2L << 20));
            if (pages > pagesPerNuma)
            {
                problems.Add($"{group.Key}: {pages} pages > {pagesPerNuma}");
            }
        }

        foreach (var group in placed.SelectMany(v => v.Status!.Placement!.GuestNodes.SelectMany(g => Numa.Quantities.CpuSet.Parse(g.HostCpus).Select(c => (v.Status.NodeName, c)))).GroupBy(x => x).Where(g => g.Count() > 1))
        {
            problems.Add($"CPU {group.Key} pinned {group.Count()} times");
        }

        return problems;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (stop, run) in controllers)
        {
            await stop.CancelAsync();
            await run.ContinueWith(_ => { }, TaskScheduler.Default);
            stop.Dispose();
        }

        Client.Dispose();
        loggerFactory.Dispose();
        await Server.DisposeAsync();
    }
}
