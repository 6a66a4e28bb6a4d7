using System.Diagnostics.Metrics;
using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NumaOperator.Agent.Migration;
using NumaOperator.Agent.SerialConsole;
using NumaOperator.Agent.Runtime;
using NumaOperator.Agent.Topology;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.Host;

namespace NumaOperator.Agent;

/// <summary>
/// The node agent: publishes this node's NumaNodeTopology, runs the QEMU of every VM placed here (informer on VMs
/// labelled numaoperator.io/node=NODE, work queue, reconcile loop), samples their numa_maps, serves /healthz and
/// /readyz. Cancelling <see cref="RunAsync"/> lets go of every QEMU without stopping it (QMP closed, locks released):
/// VMs survive the agent, and the next agent adopts them. The VM processes are reached through <paramref name="runtime"/>
/// (default: real QEMU, <see cref="QemuVmRuntime"/>).
/// </summary>
public sealed class AgentHost(IKubernetes client, AgentOptions options, ILoggerFactory? loggers = null, IVmRuntime? runtime = null) : IAgentGaugeSource
{
    public const string Component = "numa-operator-agent";
    public const string ReconcilerName = "agent";
    public const string MigrationReconcilerName = "agent-migration";

    private readonly ILoggerFactory logs = loggers ?? NullLoggerFactory.Instance;
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TopologyPublisher? publisher;
    private VmRuntimeReconciler? reconciler;

    public IKubernetes Client { get; } = client;

    public AgentOptions Options { get; } = options;

    public ILoggerFactory? Loggers { get; } = loggers;

    /// <summary>The VM informer synced and the topology published once (this run).</summary>
    public bool IsReady { get; private set; }

    /// <summary>uid → pid of the QEMU processes this agent holds now (empty when not running).</summary>
    public IReadOnlyDictionary<Guid, int> RunningVms => reconciler?.RunningPids ?? new Dictionary<Guid, int>();

    /// <summary>The console endpoint's base URL while it serves (null: none).</summary>
    public Uri? ConsoleAddress { get; private set; }

    /// <summary>Completes when <see cref="IsReady"/> first becomes true.</summary>
    public Task WaitReadyAsync(CancellationToken ct) => ready.Task.WaitAsync(ct);

    public async Task RunAsync(CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(Options.NodeName);
        var log = logs.CreateLogger("agent");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var health = Options.HealthPrefix is { } prefix ? new HealthEndpoint(prefix, () => IsReady) : null;
        var serving = health?.RunAsync(stop.Token) ?? Task.CompletedTask;

        var processes = runtime ?? new QemuVmRuntime(Options, logs.CreateLogger("qemu"));
        using var topology = new TopologyPublisher(Client, Options, processes, logs.CreateLogger("topology"));
        publisher = topology;
        var informer = new Informer<NumaVirtualMachine>(
            new CustomResourceApi<NumaVirtualMachine, NumaVirtualMachineList>(Client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, labelSelector: $"{ApiGroup.NodeLabel}={Options.NodeName}"),
            Options.Informers, logs.CreateLogger("informer.vm"));
        await using var console = await ConsoleServing.StartAsync(this, informer.Cache, processes, logs.CreateLogger("console"), stop.Token);
        ConsoleAddress = console?.Endpoint.BaseAddress;
        var keeping = new SerialLogKeeper(() => RunningVms.Keys, processes, Options, logs.CreateLogger("serial-log")).RunAsync(stop.Token);
        using var queue = new WorkQueue(Options.Clock);
        await using var vms = new VmRuntimeReconciler(
            informer.Cache,
            new CustomResourceWriter<NumaVirtualMachine>(Client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural),
            new EventRecorder(Client, Component, Options.Clock, logs.CreateLogger("events")),
            Options with { PublishedConsole = console?.Status },
            () => topology.Topology,
            () => (topology.Qemu, topology.QemuProblem),
            topology.Poke,
            processes,
            logs.CreateLogger("vm-runtime"),
            () => topology.ReservedCpus,
            new KubernetesSecretReader(Client));
        reconciler = vms;
        informer.Changed += change => queue.Add(ObjectKey.Of(change.Item));

        // Live migrations this node takes part in (source or target); see MigrationReconciler.
        var migrationInformer = new Informer<NumaVirtualMachineMigration>(
            new CustomResourceApi<NumaVirtualMachineMigration, NumaVirtualMachineMigrationList>(Client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachineMigration.Plural),
            Options.Informers, logs.CreateLogger("informer.migration"));
        using var migrationQueue = new WorkQueue(Options.Clock);
        await using var migrations = new MigrationReconciler(
            migrationInformer.Cache, new KubernetesMigrationStore(Client), Options, processes, vms,
            () => topology.Topology, () => (topology.Qemu, topology.QemuProblem), logs.CreateLogger("migration"), new KubernetesSecretReader(Client));
        vms.Receiving = migrations.Receives;
        vms.Enqueue = queue.Add;
        migrationInformer.Changed += change => migrationQueue.Add(ObjectKey.Of(change.Item));
        using var gauges = AgentTelemetry.Register(this);

        var publishing = topology.RunAsync(stop.Token);
        var informing = informer.RunAsync(stop.Token);
        var migrationInforming = migrationInformer.RunAsync(stop.Token);
        Task working = Task.CompletedTask;
        Task migrating = Task.CompletedTask;
        try
        {
            await Task.WhenAll(informer.WaitForSyncAsync(stop.Token), topology.WaitPublishedAsync(stop.Token));
            await vms.CleanOrphansAsync(informer.Cache.List().Select(v => Guid.TryParse(v.Metadata.Uid, out var u) ? u : Guid.Empty).ToHashSet(), stop.Token);
            foreach (var key in informer.Cache.Keys())
            {
                queue.Add(key);
            }

            IsReady = true;
            ready.TrySetResult();
            log.LogInformation("agent for node {Node} ready: {Vms} VM(s) labelled for it, launch strategy {Strategy}", Options.NodeName, informer.Cache.Count, Options.LaunchStrategy.Name);
            migrating = RunMigrationsAsync(migrationInformer, migrationQueue, migrations, stop.Token);
            working = new ReconcileLoop(ReconcilerName, queue, vms, Options.Workers, Options.Clock, logs.CreateLogger("reconcile")).RunAsync(stop.Token);
            await working;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            IsReady = false;
            await stop.CancelAsync();
            await Task.WhenAll(publishing, informing, migrationInforming, working, migrating, serving, keeping).ContinueWith(_ => { }, TaskScheduler.Default);
            reconciler = null;
            log.LogInformation("agent for node {Node} stopped; its VMs keep running", Options.NodeName);
        }
    }

    /// <summary>
    /// The migration loop starts once its informer synced, on its own: the agent is ready (and runs its VMs) even
    /// while the migration kind is not served yet. Incoming dirs no migration explains are stopped first.
    /// </summary>
    private async Task RunMigrationsAsync(Informer<NumaVirtualMachineMigration> informer, WorkQueue queue, MigrationReconciler migrations, CancellationToken ct)
    {
        await informer.WaitForSyncAsync(ct);
        await migrations.CleanOrphansAsync(ct);
        foreach (var key in informer.Cache.Keys())
        {
            queue.Add(key);
        }

        await new ReconcileLoop(MigrationReconcilerName, queue, migrations, 1, Options.Clock, logs.CreateLogger("reconcile.migration")).RunAsync(ct);
    }

    IEnumerable<Measurement<double>> IAgentGaugeSource.LocalRatios() => reconciler?.LocalRatios() ?? [];

    IEnumerable<Measurement<int>> IAgentGaugeSource.NumaAligned() => reconciler?.NumaAligned() ?? [];

    IEnumerable<Measurement<double>> IAgentGaugeSource.NumastatAges() => reconciler?.NumastatAges() ?? [];

    IEnumerable<Measurement<long>> IAgentGaugeSource.FreeHugepages() => Pools((counters, node, bytes) => counters.FreePages(node, bytes));

    IEnumerable<Measurement<long>> IAgentGaugeSource.TotalHugepages() => Pools((counters, node, bytes) => counters.TotalPages(node, bytes));

    /// <summary>One sysfs counter per host NUMA node and hugepage size of the published topology; unreadable ones are left out.</summary>
    private IEnumerable<Measurement<long>> Pools(Func<HugepageCounters, int, long, long> read)
    {
        var counters = new HugepageCounters(Options.SysfsRoot);
        foreach (var node in publisher?.Topology?.NumaNodes ?? [])
        {
            foreach (var pool in node.Hugepages)
            {
                long pages;
                try
                {
                    pages = read(counters, node.Id, pool.PageSize.Bytes);
                }
                catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
                {
                    continue;
                }

                yield return new Measurement<long>(pages, new("node", Options.NodeName), new("numa_node", node.Id), new("page_size", pool.PageSize.ToString()));
            }
        }
    }
}
