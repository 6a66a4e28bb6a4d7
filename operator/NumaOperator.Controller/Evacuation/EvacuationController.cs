using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Controller.Evacuation;

/// <summary>
/// One term of the evacuation controller: one reconciler for the whole cluster (<see cref="EvacuationReconciler"/>),
/// queued by any change of a NumaNodeTopology, NumaVirtualMachine or NumaVirtualMachineMigration in the term's shared
/// informers.
/// </summary>
public sealed class EvacuationController(IKubernetes client, EvacuationOptions? options = null, TimeProvider? clock = null, ILoggerFactory? loggers = null)
{
    public const string Name = "evacuation";

    private readonly EvacuationOptions limits = options ?? new EvacuationOptions();
    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly ILoggerFactory logs = loggers ?? NullLoggerFactory.Instance;

    /// <summary>Runs one term on <paramref name="informers"/>, which the caller runs (<see cref="ControllerHost"/>).</summary>
    public async Task RunAsync(ClusterInformers informers, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(informers);
        using var queue = new WorkQueue(time);
        var reconciler = new EvacuationReconciler(
            client, informers.Topologies.Cache, informers.Vms.Cache, informers.Migrations.Cache, limits, time, logs.CreateLogger(Name));
        informers.Topologies.Changed += _ => queue.Add(EvacuationReconciler.Key);
        informers.Vms.Changed += _ => queue.Add(EvacuationReconciler.Key);
        informers.Migrations.Changed += _ => queue.Add(EvacuationReconciler.Key);
        try
        {
            await informers.WaitForSyncAsync(ct);
            queue.Add(EvacuationReconciler.Key);
            await new ReconcileLoop(Name, queue, reconciler, 1, time, logs.CreateLogger("reconcile")).RunAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
