using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NumaOperator.Api.V1Alpha1;
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

    public InformerOptions Informers { get; init; } = new();

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Three missed heartbeats of an agent (it renews NumaNodeTopology status.heartbeatTime every 30 s).</summary>
    public static readonly TimeSpan DefaultNodeLostAfter = TimeSpan.FromSeconds(90);

    /// <summary>
    /// A node whose agent heartbeat is older than this is lost: its VMs get Ready=Unknown reason NodeLost (and
    /// Stalled) with a Warning Event, until the heartbeat is fresh again (`controller --node-lost-after`).
    /// </summary>
    public TimeSpan NodeLostAfter { get; init; } = DefaultNodeLostAfter;
}

/// <summary>
/// One term of the scheduling controller: informers on NumaVirtualMachines, NumaNodeTopologies and Nodes (listed
/// afresh each term), the ledger rebuilt once they are synced, then workers until the token is cancelled.
/// </summary>
public sealed class SchedulingController(IKubernetes client, SchedulingControllerOptions? options = null, ILoggerFactory? loggers = null)
{
    public const string Name = "scheduling";

    private readonly SchedulingControllerOptions settings = options ?? new SchedulingControllerOptions();
    private readonly ILoggerFactory logs = loggers ?? NullLoggerFactory.Instance;
    private volatile bool synced;

    /// <summary>True while a term runs with synced caches.</summary>
    public bool IsSynced => synced;

    /// <summary>The running term's reconciler (tests read its ledger counters); null between terms.</summary>
    public SchedulingReconciler? Reconciler { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        var vmInformer = new Informer<NumaVirtualMachine>(
            new CustomResourceApi<NumaVirtualMachine, NumaVirtualMachineList>(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural),
            settings.Informers, logs.CreateLogger("informer.vm"));
        var topologyInformer = new Informer<NumaNodeTopology>(
            new CustomResourceApi<NumaNodeTopology, NumaNodeTopologyList>(client, ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural),
            settings.Informers, logs.CreateLogger("informer.nnt"));
        var nodeInformer = new Informer<V1Node>(new NodeApi(client), settings.Informers, logs.CreateLogger("informer.node"));
        using var queue = new WorkQueue(settings.Clock);
        using var reconciler = new SchedulingReconciler(
            vmInformer.Cache, topologyInformer.Cache, nodeInformer.Cache,
            new CustomResourceWriter<NumaVirtualMachine>(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural),
            new EventRecorder(client, "numa-operator-controller", settings.Clock, logs.CreateLogger("events")),
            queue, settings.Clock, logs.CreateLogger(Name), settings.NodeLostAfter, settings.Packing);
        vmInformer.Changed += change => queue.Add(change.Item.Key);
        topologyInformer.Changed += change =>
        {
            // Heartbeats and free page counts do not change what fits: only capacity changes rebuild and retry.
            if (change.Type == WatchEventType.Deleted || !TopologyCapacity.Same(change.Previous, change.Item))
            {
                reconciler.OnCapacityChanged();
            }
        };
        nodeInformer.Changed += change => OnNodeChanged(change, vmInformer.Cache, queue, reconciler);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var informers = new[] { vmInformer.RunAsync(stop.Token), topologyInformer.RunAsync(stop.Token), nodeInformer.RunAsync(stop.Token) };
        var liveness = Task.CompletedTask;
        try
        {
            await Task.WhenAll(vmInformer.WaitForSyncAsync(ct), topologyInformer.WaitForSyncAsync(ct), nodeInformer.WaitForSyncAsync(ct));
            reconciler.Initialize();
            using var gauges = ControllerTelemetry.TrackScheduling(new SchedulingGauges(reconciler, vmInformer.Cache, topologyInformer.Cache, settings.Clock));
            Reconciler = reconciler;
            synced = true;
            foreach (var key in vmInformer.Cache.Keys())
            {
                queue.Add(key);
            }

            liveness = WatchNodeLivenessAsync(topologyInformer.Cache, vmInformer.Cache, queue, stop.Token);
            await new ReconcileLoop(Name, queue, reconciler, settings.Workers, settings.Clock, logs.CreateLogger("reconcile")).RunAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            synced = false;
            Reconciler = null;
            await stop.CancelAsync();
            await Task.WhenAll([.. informers, liveness]).ContinueWith(_ => { }, TaskScheduler.Default);
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
