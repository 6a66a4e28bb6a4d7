using System.Globalization;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Runtime;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.Measurement;

namespace NumaOperator.Reliability.Tests;

/// <summary>A bug planted in the simulated agent, to show that the harness catches it.</summary>
public enum SimulatedFlaw
{
    None,

    /// <summary>Writes phase Stopped but leaves the process running (its pages and CPUs stay taken).</summary>
    ReportsStoppedWithoutKilling,
}

/// <summary>
/// Plays the node agent's side of the status protocol for one simulated node, against a <see cref="SimulatedHost"/>
/// instead of QEMU: a VM labelled for this node with its placement on this node, running and not deleted, gets a
/// process and phase Running with Running, NumaAligned and Ready True; otherwise its process is killed first and then
/// phase Stopped with Running=False is written (what lets the controller release the placement and the finalizer).
/// Status patches carry the resourceVersion they were computed from; on 409 the VM is read again. One instance per
/// run: cancelling <see cref="RunAsync"/> at any point is a crash; the next instance adopts the host's processes.
/// </summary>
public sealed class SimulatedNodeAgent(IKubernetes client, SimulatedHost host, ILogger logger, SimulatedFlaw flaw = SimulatedFlaw.None) : IReconciler
{
    private static readonly TimeSpan Resync = TimeSpan.FromSeconds(2);

    /// <summary>As often as the real agent renews NumaNodeTopology status.heartbeatTime (the controller's node-lost verdict reads it).</summary>
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(30);
    private readonly CustomResourceWriter<NumaVirtualMachine> writer = new(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural);
    private ObjectCache<NumaVirtualMachine> cache = new();

    public int StatusWrites { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        var informer = new Informer<NumaVirtualMachine>(
            new CustomResourceApi<NumaVirtualMachine, NumaVirtualMachineList>(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural),
            new InformerOptions { WatchTimeoutSeconds = 20, ErrorBackoff = new ExponentialBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1)) },
            logger);
        cache = informer.Cache;
        using var queue = new WorkQueue(backoff: new ExponentialBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2)));
        informer.Changed += change =>
        {
            if (IsLabelledHere(change.Item) || (change.Previous is { } before && IsLabelledHere(before)) || host.Find(change.Item.Key) is not null)
            {
                queue.Add(change.Item.Key);
            }
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watching = informer.RunAsync(stop.Token);
        try
        {
            await informer.WaitForSyncAsync(ct);
            var loop = new ReconcileLoop("sim-agent-" + host.Name, queue, this, workers: 2, logger: logger).RunAsync(ct);
            var lastHeartbeat = DateTime.MinValue;
            while (!ct.IsCancellationRequested)
            {
                if (DateTime.UtcNow - lastHeartbeat >= HeartbeatInterval && await RenewHeartbeatAsync(ct))
                {
                    lastHeartbeat = DateTime.UtcNow;
                }

                // Level-triggered: every VM labelled here and every process on the host is looked at again now and then.
                foreach (var key in cache.ByLabel(ApiGroup.NodeLabel, host.Name).Select(v => v.Key).Concat(host.Processes().Select(p => p.Key)))
                {
                    queue.Add(key);
                }

                await Task.Delay(Resync, ct);
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

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var vm = cache.Get(key);
        for (var attempt = 1; ; attempt++)
        {
            var process = host.Find(key);
            if (process is not null && (vm is null || vm.Metadata.Uid != process.Uid))
            {
                host.Kill(process); // the VM is gone (or recreated under the same name): an orphan
                process = null;
            }

            if (vm is null || !IsLabelledHere(vm) || vm.Status?.NodeName != host.Name || vm.Status.Placement is null)
            {
                if (process is not null && vm is not null && vm.Status?.NodeName != host.Name)
                {
                    // Placed elsewhere while a process runs here: the controller gave the placement away too early.
                    host.RecordViolation($"{key} runs here but its status says node {vm.Status?.NodeName ?? "none"}");
                    host.Kill(process);
                }

                return ReconcileResult.Done;
            }

            var wantRunning = vm.Spec.Running != false && vm.Metadata.DeletionTimestamp is null;
            var desired = ObjectKey.Clone(vm);
            var now = Now();
            if (wantRunning)
            {
                process ??= host.Start(vm);
                AgentConditions.SetRunning(desired, $"simulated QEMU pid {process.Pid} runs", now);
                if (Conditions.Find(desired.Status!.Conditions, AgentConditions.NumaAligned) is not { Status: "True" } aligned || aligned.ObservedGeneration != vm.Metadata.Generation)
                {
                    AgentConditions.SetMeasured(desired, Numastat(process, now), new NumaVerdict(true, NumaVerdict.ReasonAligned, "all guest RAM on the placed host nodes (simulated)"), now);
                }
            }
            else
            {
                if (process is not null && flaw != SimulatedFlaw.ReportsStoppedWithoutKilling)
                {
                    host.Kill(process); // QEMU gone first, then the status that lets the controller free its placement
                }

                if (desired.Status!.Phase != AgentConditions.PhaseStopped || Conditions.IsTrue(desired.Status.Conditions, AgentConditions.Running))
                {
                    AgentConditions.SetStopped(desired, "stopped (simulated)", now);
                }
            }

            try
            {
                if (await writer.PatchStatusAsync(vm, desired, ct) is { } written)
                {
                    StatusWrites++;
                    cache.Upsert(written, out _);
                }

                return ReconcileResult.Done;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < 5)
            {
                vm = await writer.ReadAsync(vm.Metadata.NamespaceProperty, vm.Metadata.Name, ct);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                vm = null;
            }
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

    private bool IsLabelledHere(NumaVirtualMachine vm) => vm.Metadata.Labels?.TryGetValue(ApiGroup.NodeLabel, out var node) == true && node == host.Name;

    private static NumastatStatus Numastat(SimulatedProcess process, DateTime now) => new()
    {
        SampledAt = now,
        Nodes = [.. process.Placement.GuestNodes.GroupBy(g => g.HostNode).OrderBy(g => g.Key)
            .Select(g => new NumastatNode { Node = g.Key, Bytes = g.Sum(x => ByteQuantity.Parse(x.Memory)) })],
        LocalRatio = 1.0.ToString("0.000", CultureInfo.InvariantCulture),
    };

    /// <summary>Whole seconds, as metav1.Time carries.</summary>
    private static DateTime Now()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }
}
