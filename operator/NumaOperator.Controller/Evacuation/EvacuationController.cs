using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Controller.Evacuation;

/// <summary>
/// One term of the evacuation controller: informers on NumaNodeTopologies, NumaVirtualMachines and
/// NumaVirtualMachineMigrations, and one reconciler for the whole cluster (<see cref="EvacuationReconciler"/>).
/// </summary>
public sealed class EvacuationController(IKubernetes client, EvacuationOptions? options = null, InformerOptions? informers = null, TimeProvider? clock = null, ILoggerFactory? loggers = null)
{
    public const string Name = "evacuation";

    private readonly EvacuationOptions limits = options ?? new EvacuationOptions();
    private readonly InformerOptions watch = informers ?? new InformerOptions();
    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly ILoggerFactory logs = loggers ?? NullLoggerFactory.Instance;

    public async Task RunAsync(CancellationToken ct)
    {
        var topologyInformer = new Informer<NumaNodeTopology>(
            new CustomResourceApi<NumaNodeTopology, NumaNodeTopologyList>(client, ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural),
            watch, logs.CreateLogger("evacuation.informer.nnt"));
        var vmInformer = new Informer<NumaVirtualMachine>(
            new CustomResourceApi<NumaVirtualMachine, NumaVirtualMachineList>(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural),
            watch, logs.CreateLogger("evacuation.informer.vm"));
        var migrationInformer = new Informer<NumaVirtualMachineMigration>(
            new CustomResourceApi<NumaVirtualMachineMigration, NumaVirtualMachineMigrationList>(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachineMigration.Plural),
            watch, logs.CreateLogger("evacuation.informer.migration"));
        using var queue = new WorkQueue(time);
        var reconciler = new EvacuationReconciler(
            client, topologyInformer.Cache, vmInformer.Cache, migrationInformer.Cache, limits, time, logs.CreateLogger(Name));
        topologyInformer.Changed += _ => queue.Add(EvacuationReconciler.Key);
        vmInformer.Changed += _ => queue.Add(EvacuationReconciler.Key);
        migrationInformer.Changed += _ => queue.Add(EvacuationReconciler.Key);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = new[] { topologyInformer.RunAsync(stop.Token), vmInformer.RunAsync(stop.Token), migrationInformer.RunAsync(stop.Token) };
        try
        {
            await Task.WhenAll(topologyInformer.WaitForSyncAsync(ct), vmInformer.WaitForSyncAsync(ct), migrationInformer.WaitForSyncAsync(ct));
            queue.Add(EvacuationReconciler.Key);
            await new ReconcileLoop(Name, queue, reconciler, 1, time, logs.CreateLogger("reconcile")).RunAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(running).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
