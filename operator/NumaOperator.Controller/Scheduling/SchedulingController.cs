using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Accounting;
using NumaOperator.Controller.Migration;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Controller.Scheduling;

/// <summary>Tuning of the scheduling controller.</summary>
public sealed record SchedulingControllerOptions
{
    /// <summary>Workers; decisions are serialized by the reconciler, the rest (writes) runs in parallel.</summary>
    public int Workers { get; init; } = 4;

    /// <summary>How the engine chooses among the nodes that fit (the controller's --packing).</summary>
    public PackingPolicy Packing { get; init; } = PackingPolicies.Default;

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Three missed heartbeats of an agent (it renews NumaNodeTopology status.heartbeatTime every 30 s).</summary>
    public static readonly TimeSpan DefaultNodeLostAfter = TimeSpan.FromSeconds(90);

    /// <summary>
    /// A node whose agent heartbeat is older than this is lost: its VMs get Ready=Unknown reason NodeLost (and
    /// Stalled) with a Warning Event, until the heartbeat is fresh again (`controller --node-lost-after`).
    /// </summary>
    public TimeSpan NodeLostAfter { get; init; } = DefaultNodeLostAfter;

    /// <summary>Image of the per-VM placeholder pod's only container (`controller --placeholder-image`).</summary>
    public string PlaceholderImage { get; init; } = PlaceholderPod.DefaultImage;

    /// <summary>How a VM whose agent refused its placement for lack of hugepages is placed again.</summary>
    public PlacementRetryPolicy PlacementRetry { get; init; } = PlacementRetryPolicy.Default;

    /// <summary>How long a placeholder pod put off in a burst waits at most behind other VMs' placements (about: it waits in line).</summary>
    public TimeSpan PodDeferralMaxWait { get; init; } = WorkQueue.LowPriorityMaxWait;
}

/// <summary>
/// One term of the scheduling controller: on the term's shared informers (<see cref="ClusterInformers"/>), the ledger
/// rebuilt once they are synced, then workers until the token is cancelled.
/// </summary>
public sealed partial class SchedulingController(IKubernetes client, SchedulingControllerOptions? options = null, ILoggerFactory? loggers = null)
{
    public const string Name = "scheduling";

    /// <summary>The live-migration loop's name (logs, reconcile telemetry); it runs in the same term, on the same ledger.</summary>
    public const string MigrationControllerName = "migration";

    private readonly SchedulingControllerOptions settings = options ?? new SchedulingControllerOptions();
    private readonly ILoggerFactory logs = loggers ?? NullLoggerFactory.Instance;
    private volatile bool synced;

    /// <summary>True while a term runs with synced caches.</summary>
    public bool IsSynced => synced;

    /// <summary>The running term's reconciler (tests read its ledger counters); null between terms.</summary>
    public SchedulingReconciler? Reconciler { get; private set; }

    /// <summary>The running term's live-migration reconciler (it shares the ledger); null between terms.</summary>
    public MigrationReconciler? Migrations { get; private set; }

    /// <summary>Runs one term on <paramref name="informers"/>, which the caller runs (<see cref="ControllerHost"/>).</summary>
    public async Task RunAsync(ClusterInformers informers, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(informers);
        var (vmInformer, topologyInformer, nodeInformer, podInformer, quotaInformer, migrationInformer) = informers;
        var accounting = new KubernetesAccounting(
            podInformer.Cache, quotaInformer.Cache, new PlaceholderPodWriter(client, logs.CreateLogger("placeholder-pods")), settings.PlaceholderImage, settings.PlacementRetry);
        using var queue = new WorkQueue(settings.Clock, lowPriorityMaxWait: settings.PodDeferralMaxWait);
        using var reconciler = new SchedulingReconciler(
            vmInformer.Cache, topologyInformer.Cache, nodeInformer.Cache,
            new CustomResourceWriter<NumaVirtualMachine>(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural),
            new EventRecorder(client, "numa-operator-controller", settings.Clock, logs.CreateLogger("events")),
            queue, settings.Clock, logs.CreateLogger(Name), settings.NodeLostAfter, settings.Packing, accounting);
        reconciler.TrackMigrations(migrationInformer.Cache);
        using var migrationQueue = new WorkQueue(settings.Clock);
        var migrations = CreateMigrationReconciler(informers, reconciler);
        Subscribe(informers, queue, migrationQueue, reconciler, migrations);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var liveness = Task.CompletedTask;
        try
        {
            await informers.WaitForSyncAsync(ct);
            reconciler.Initialize();
            using var gauges = ControllerTelemetry.TrackScheduling(new SchedulingGauges(reconciler, vmInformer.Cache, topologyInformer.Cache, settings.Clock));
            Reconciler = reconciler;
            Migrations = migrations;
            synced = true;
            foreach (var key in vmInformer.Cache.Keys())
            {
                queue.Add(key);
            }

            foreach (var key in migrationInformer.Cache.Keys())
            {
                migrationQueue.Add(key);
            }

            liveness = WatchNodeLivenessAsync(topologyInformer.Cache, vmInformer.Cache, queue, stop.Token);
            var migrating = new ReconcileLoop(MigrationControllerName, migrationQueue, migrations, 1, settings.Clock, logs.CreateLogger("reconcile")).RunAsync(stop.Token);
            try
            {
                await new ReconcileLoop(Name, queue, reconciler, settings.Workers, settings.Clock, logs.CreateLogger("reconcile")).RunAsync(ct);
            }
            finally
            {
                await stop.CancelAsync();
                await migrating.ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            synced = false;
            Reconciler = null;
            Migrations = null;
            await stop.CancelAsync();
            await liveness.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// A lost agent sends no event, so time is watched here: whenever a node's verdict flips (heartbeat went stale, or
    /// came back) its VMs are queued and the reconciler writes the verdict.
    /// </summary>
    private async Task WatchNodeLivenessAsync(ObjectCache<NumaNodeTopology> topologies, ObjectCache<NumaVirtualMachine> vms, WorkQueue queue, CancellationToken ct)
    {
        var log = logs.CreateLogger("node-liveness");
        var monitor = new NodeLivenessMonitor(settings.NodeLostAfter);
        monitor.Flipped(topologies.List(), settings.Clock.GetUtcNow().UtcDateTime); // every VM was just queued anyway
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(NodeLiveness.CheckInterval(settings.NodeLostAfter), settings.Clock, ct);
                foreach (var node in monitor.Flipped(topologies.List(), settings.Clock.GetUtcNow().UtcDateTime))
                {
                    var placed = vms.ByLabel(ApiGroup.NodeLabel, node);
                    log.LogWarning("node {Node}: agent heartbeat {Verdict}; re-judging its {Count} VM(s)", node, monitor.IsLost(node) ? "lost" : "back", placed.Count);
                    foreach (var vm in placed)
                    {
                        queue.Add(vm.Key);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Running=True came or went: whether the node's free count includes the VM's pages changed.</summary>
    private static bool RunningFlipped(NumaVirtualMachine? before, NumaVirtualMachine now) =>
        (ConditionList.Find(before?.Status?.Conditions, VmConditions.Running)?.Status == VmConditions.True)
        != (ConditionList.Find(now.Status?.Conditions, VmConditions.Running)?.Status == VmConditions.True);

    /// <summary>A placeholder's change queues its VM (recreated when deleted or changed by someone else); any other pod's change moves quota usage.</summary>
    private static void OnPodChanged(CacheChange<V1Pod> change, WorkQueue queue, SchedulingReconciler reconciler)
    {
        var pod = change.Item;
        if (PlaceholderPod.IsPlaceholder(pod))
        {
            var owner = pod.Metadata.OwnerReferences.First(o => o.Controller == true);
            var vmKey = ObjectKeys.Of(pod.Metadata.NamespaceProperty, owner.Name, clusterScoped: false);
            if (!reconciler.OwnWrites.Hold(vmKey, pod, change.Type))
            {
                queue.Add(vmKey);
            }
        }

        if (change.Type == WatchEventType.Deleted || pod.Status?.Phase is "Succeeded" or "Failed")
        {
            reconciler.OnQuotaChanged();
        }
    }

    private static void OnNodeChanged(CacheChange<V1Node> change, ObjectCache<NumaVirtualMachine> vms, WorkQueue queue, SchedulingReconciler reconciler)
    {
        var before = change.Previous;
        var labelsOrCordonChanged = before is null
            || change.Type == WatchEventType.Deleted
            || KubernetesJson.Serialize(change.Item.Metadata.Labels) != KubernetesJson.Serialize(before.Metadata.Labels)
            || change.Item.Spec?.Unschedulable != before.Spec?.Unschedulable;
        if (!labelsOrCordonChanged)
        {
            return; // heartbeats and node status do not change what fits
        }

        reconciler.OnCapacityChanged();
        if (change.Type == WatchEventType.Deleted)
        {
            // VMs waiting in deletion for this node's agent can go now.
            foreach (var vm in vms.ByLabel(ApiGroup.NodeLabel, change.Item.Metadata.Name))
            {
                queue.Add(vm.Key);
            }
        }
    }
}
