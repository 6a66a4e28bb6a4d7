using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using NumaOperator.Agent;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Reliability.Tests;

/// <summary>A bug planted in the simulated node's runtime, to show that the harness catches it.</summary>
public enum SimulatedFlaw
{
    None,

    /// <summary>Stops leave the process running (its pages and CPUs stay taken) while the agent writes phase Stopped.</summary>
    ReportsStoppedWithoutKilling,
}

/// <summary>
/// One simulated node's agent: the real <see cref="VmRuntimeReconciler"/> (informer on the VMs labelled for the node,
/// work queue, orphan clean-up after sync, as <see cref="AgentHost"/> wires it) against a <see cref="SimulatedHost"/>
/// through <see cref="SimulatedVmRuntime"/> instead of QEMU, plus the heartbeat the topology publisher would renew
/// (the node's NumaNodeTopology is written by the harness, not read from sysfs). One instance per run: cancelling
/// <see cref="RunAsync"/> at any point is a crash; the next instance adopts the host's processes.
/// </summary>
public sealed class SimulatedNodeAgent(IKubernetes client, SimulatedHost host, ILogger logger, SimulatedFlaw flaw = SimulatedFlaw.None)
{
    /// <summary>As often as the real agent renews NumaNodeTopology status.heartbeatTime (the controller's node-lost verdict reads it).</summary>
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan HeartbeatRetry = TimeSpan.FromSeconds(2);

    public async Task RunAsync(CancellationToken ct)
    {
        var informer = new Informer<NumaVirtualMachine>(
            new CustomResourceApi<NumaVirtualMachine, NumaVirtualMachineList>(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, labelSelector: $"{ApiGroup.NodeLabel}={host.Name}"),
            new InformerOptions { WatchTimeoutSeconds = 20, ErrorBackoff = new ExponentialBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1)) },
            logger);
        var options = new AgentOptions
        {
            NodeName = host.Name,
            SampleInterval = TimeSpan.FromSeconds(2),
            LivenessInterval = TimeSpan.FromSeconds(1),
            PreflightRetryInterval = TimeSpan.FromSeconds(1),
        };
        var runtime = new SimulatedVmRuntime(host, uid => informer.Cache.List().FirstOrDefault(v => v.Metadata.Uid == uid.ToString("D")), flaw);
        var topology = TopologyConversion.FromStatus(host.TopologyStatus());
        await using var reconciler = new VmRuntimeReconciler(
            informer.Cache,
            new CustomResourceWriter<NumaVirtualMachine>(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural),
            new EventRecorder(client, AgentHost.Component, logger: logger),
            options,
            () => topology,
            () => (null, "a simulated host has no QEMU to probe"),
            () => { },
            runtime,
            logger);
        using var queue = new WorkQueue(backoff: new ExponentialBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2)));
        informer.Changed += change => queue.Add(ObjectKey.Of(change.Item));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watching = informer.RunAsync(stop.Token);
        try
        {
            await informer.WaitForSyncAsync(ct);
            await reconciler.CleanOrphansAsync(informer.Cache.List().Select(v => Guid.TryParse(v.Metadata.Uid, out var u) ? u : Guid.Empty).ToHashSet(), ct);
            foreach (var key in informer.Cache.Keys())
            {
                queue.Add(key);
            }

            var loop = new ReconcileLoop("sim-agent-" + host.Name, queue, reconciler, workers: 2, logger: logger).RunAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(await RenewHeartbeatAsync(ct) ? HeartbeatInterval : HeartbeatRetry, ct);
            }

            await loop;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            await stop.CancelAsync();
            await watching.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Patches status.heartbeatTime of this node's NumaNodeTopology; false when the (fault-injected) server refused.</summary>
    private async Task<bool> RenewHeartbeatAsync(CancellationToken ct)
    {
        var patch = KubernetesJson.Serialize(new { status = new { heartbeatTime = Now() } });
        try
        {
            await client.CustomObjects.PatchClusterCustomObjectStatusAsync(
                new V1Patch(patch, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, host.Name, cancellationToken: ct);
            return true;
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException)
        {
            logger.LogInformation("heartbeat of {Node} failed ({Message}); trying again", host.Name, e.Message);
            return false;
        }
    }

    /// <summary>Whole seconds, as metav1.Time carries.</summary>
    private static DateTime Now()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }
}
