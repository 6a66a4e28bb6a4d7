using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Controller;

/// <summary>
/// The informers of one controller term, listed afresh each term and shared by every controller in it (scheduling,
/// live migration, evacuation), as controller-runtime's manager shares one cache: each kind is watched and decoded
/// once per process, however many controllers react to it. The host runs them; controllers only subscribe and wait
/// for the sync.
/// </summary>
public sealed record ClusterInformers(
    Informer<NumaVirtualMachine> Vms,
    Informer<NumaNodeTopology> Topologies,
    Informer<V1Node> Nodes,
    Informer<V1Pod> Pods,
    Informer<V1ResourceQuota> Quotas,
    Informer<NumaVirtualMachineMigration> Migrations)
{
    public static ClusterInformers Create(IKubernetes client, InformerOptions options, ILoggerFactory logs) => new(
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

    /// <summary>Lists and watches every kind until <paramref name="ct"/> is cancelled.</summary>
    public Task RunAsync(CancellationToken ct) =>
        Task.WhenAll(Vms.RunAsync(ct), Topologies.RunAsync(ct), Nodes.RunAsync(ct), Pods.RunAsync(ct), Quotas.RunAsync(ct), Migrations.RunAsync(ct));

    public Task WaitForSyncAsync(CancellationToken ct) => Task.WhenAll(
        Vms.WaitForSyncAsync(ct), Topologies.WaitForSyncAsync(ct), Nodes.WaitForSyncAsync(ct),
        Pods.WaitForSyncAsync(ct), Quotas.WaitForSyncAsync(ct), Migrations.WaitForSyncAsync(ct));
}
