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
    private MigrationReconciler CreateMigrationReconciler(ClusterInformers informers, SchedulingReconciler reconciler) =>
        new(
            new MigrationWorld(
                informers.Migrations.Cache, informers.Vms.Cache, informers.Topologies.Cache, informers.Nodes.Cache, informers.Pods.Cache,
                new CustomResourceWriter<NumaVirtualMachineMigration>(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachineMigration.Plural),
                new CustomResourceWriter<NumaVirtualMachine>(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural),
                new PlaceholderPodWriter(client, logs.CreateLogger("placeholder-pods")),
                new EventRecorder(client, "numa-operator-controller", settings.Clock, logs.CreateLogger("events"))),
            reconciler, settings.Clock, logs.CreateLogger(MigrationControllerName), settings.NodeLostAfter, settings.Packing);

    private static void Subscribe(ClusterInformers informers, WorkQueue queue, WorkQueue migrationQueue, SchedulingReconciler reconciler, MigrationReconciler migrations)
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
            if (!reconciler.OwnWrites.Hold(change.Item.Key, change.Item, change.Type))
            {
                queue.Add(change.Item.Key);
            }

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
}
