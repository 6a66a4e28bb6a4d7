using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Accounting;
using NumaOperator.Controller.Migration;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Controller.Scheduling;

/// <summary>How one term is wired: its informers, the live-migration reconciler on the same ledger, and which change queues what.</summary>
public sealed partial class SchedulingController
{
    private MigrationReconciler CreateMigrationReconciler(TermInformers informers, SchedulingReconciler reconciler) =>
        new(
            new MigrationWorld(
                informers.Migrations.Cache, informers.Vms.Cache, informers.Topologies.Cache, informers.Nodes.Cache, informers.Pods.Cache,
                new CustomResourceWriter<NumaVirtualMachineMigration>(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachineMigration.Plural),
                new CustomResourceWriter<NumaVirtualMachine>(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural),
                new PlaceholderPodWriter(client, logs.CreateLogger("placeholder-pods")),
                new EventRecorder(client, "numa-operator-controller", settings.Clock, logs.CreateLogger("events"))),
            reconciler, settings.Clock, logs.CreateLogger(MigrationControllerName), settings.NodeLostAfter, settings.Packing);

    private static void Subscribe(TermInformers informers, WorkQueue queue, WorkQueue migrationQueue, SchedulingReconciler reconciler, MigrationReconciler migrations)
    {
        informers.Migrations.Changed += change =>
        {
            migrationQueue.Add(change.Item.Key);
            if (change.Previous?.Status?.Phase != change.Item.Status?.Phase || change.Type == WatchEventType.Deleted)
            {
                // Whether the VM is left alone by the scheduler follows the migration's phase.
                queue.Add(ObjectKeys.Of(change.Item.Metadata.NamespaceProperty, change.Item.Spec.VmName, clusterScoped: false));
            }
        };
        informers.Vms.Changed += change =>
        {
            queue.Add(change.Item.Key);
            foreach (var migration in migrations.ActiveMigrationsOf(change.Item.Key))
            {
                migrationQueue.Add(migration); // a VM deleted or stopped mid-move fails its migration
            }

            if (RunningFlipped(change.Previous, change.Item))
            {
                reconciler.OnRunningChanged();
            }
        };
        informers.Pods.Changed += change => OnPodChanged(change, queue, reconciler);
        informers.Quotas.Changed += _ => reconciler.OnQuotaChanged();
        informers.Topologies.Changed += change =>
        {
            // Heartbeats and free page counts do not change what fits: only capacity changes rebuild and retry.
            if (change.Type == WatchEventType.Deleted || !TopologyCapacity.Same(change.Previous, change.Item))
            {
                reconciler.OnCapacityChanged();
            }
            else if (change.Previous?.Status?.HeartbeatTime != change.Item.Status?.HeartbeatTime)
            {
                reconciler.OnHeartbeat(change.Item.Metadata.Name);
            }
        };
        informers.Nodes.Changed += change => OnNodeChanged(change, informers.Vms.Cache, queue, reconciler);
    }

    /// <summary>The informers of one term, listed afresh each term.</summary>
    private sealed record TermInformers(
        Informer<NumaVirtualMachine> Vms,
        Informer<NumaNodeTopology> Topologies,
        Informer<V1Node> Nodes,
        Informer<V1Pod> Pods,
        Informer<V1ResourceQuota> Quotas,
        Informer<NumaVirtualMachineMigration> Migrations)
    {
        public static TermInformers Create(IKubernetes client, InformerOptions options, ILoggerFactory logs) => new(
            new Informer<NumaVirtualMachine>(
                new CustomResourceApi<NumaVirtualMachine, NumaVirtualMachineList>(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural),
                options, logs.CreateLogger("informer.vm")),
            new Informer<NumaNodeTopology>(
                new CustomResourceApi<NumaNodeTopology, NumaNodeTopologyList>(client, ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural),
                options, logs.CreateLogger("informer.nnt")),
            new Informer<V1Node>(new NodeApi(client), options, logs.CreateLogger("informer.node")),
            new Informer<V1Pod>(new PodApi(client), options, logs.CreateLogger("informer.pod")),
            new Informer<V1ResourceQuota>(new ResourceQuotaApi(client), options, logs.CreateLogger("informer.quota")),
            new Informer<NumaVirtualMachineMigration>(
                new CustomResourceApi<NumaVirtualMachineMigration, NumaVirtualMachineMigrationList>(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachineMigration.Plural),
                options, logs.CreateLogger("informer.migration")));

        public Task[] RunAll(CancellationToken ct) =>
            [Vms.RunAsync(ct), Topologies.RunAsync(ct), Nodes.RunAsync(ct), Pods.RunAsync(ct), Quotas.RunAsync(ct), Migrations.RunAsync(ct)];

        public Task WaitForSyncAsync(CancellationToken ct) => Task.WhenAll(
            Vms.WaitForSyncAsync(ct), Topologies.WaitForSyncAsync(ct), Nodes.WaitForSyncAsync(ct),
            Pods.WaitForSyncAsync(ct), Quotas.WaitForSyncAsync(ct), Migrations.WaitForSyncAsync(ct));
    }
}
