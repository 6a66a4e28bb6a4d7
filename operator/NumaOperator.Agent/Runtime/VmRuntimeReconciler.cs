using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using NumaOperator.Agent.Launch;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Qemu.Supervision;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// Drives this node's QEMU processes from its VMs (level-triggered, one key at a time per VM): placed here,
/// its run strategy wants it running (<see cref="Api.Status.RunStrategies"/>) → adopt the running QEMU of metadata.uid or
/// pre-flight, launch, pin, cont; not wanted or deleting → stop; a QEMU that exited by itself → status.restarts records
/// why, and the run strategy restarts it after a backoff or leaves it Stopped (VmRuntimeReconciler.Restarts.cs). While a VM runs, its key comes back every LivenessInterval (is QEMU alive?) and its numa_maps is
/// sampled every SampleInterval; status is written only when it changed. What to do is decided by
/// <see cref="VmRuntimeDecision"/> (pure); the processes are reached through <see cref="IVmRuntime"/>.
/// </summary>
public sealed partial class VmRuntimeReconciler : IReconciler, IAsyncDisposable
{
    public const string EventStarted = "Started";
    public const string EventAdopted = "Adopted";
    public const string EventStopped = "Stopped";
    public const string EventPinningDrift = "PinningDrift";
    public const string EventOrphanStopped = "OrphanStopped";

    private readonly ObjectCache<NumaVirtualMachine> cache;
    private readonly AgentOptions options;
    private readonly Func<HostTopology?> topology;
    private readonly Func<(QemuCapabilities? Qemu, string? Problem)> qemu;
    private readonly Action hugepagesChanged;
    private readonly IVmRuntime runtime;
    private readonly ISecretReader? secrets;
    private readonly VmStatusWriter status;
    private readonly NumaSampling sampling;
    private readonly ILogger log;
    private readonly ConcurrentDictionary<Guid, TrackedVm> tracked = new();
    private readonly HostCpuEnforcement cpus;

    internal VmRuntimeReconciler(
        ObjectCache<NumaVirtualMachine> cache,
        CustomResourceWriter<NumaVirtualMachine> writer,
        EventRecorder events,
        AgentOptions options,
        Func<HostTopology?> topology,
        Func<(QemuCapabilities? Qemu, string? Problem)> qemu,
        Action hugepagesChanged,
        IVmRuntime runtime,
        ILogger log,
        Func<CpuSet>? reservedCpus = null,
        ISecretReader? secrets = null)
    {
        this.secrets = secrets;
        this.cache = cache;
        this.options = options;
        this.topology = topology;
        this.qemu = qemu;
        this.hugepagesChanged = hugepagesChanged;
        this.runtime = runtime;
        this.log = log;
        status = new VmStatusWriter(cache, writer, events, options.Clock, options.PublishedConsole);
        sampling = new NumaSampling(runtime, status, options, topology, log);
        cpus = new HostCpuEnforcement(runtime, topology, reservedCpus ?? (() => CpuSet.Empty), log);
    }

    /// <summary>uid → pid of every QEMU this agent holds now.</summary>
    public IReadOnlyDictionary<Guid, int> RunningPids => tracked.ToDictionary(kv => kv.Key, kv => kv.Value.Process.Pid);

    /// <summary>Reconciles one VM; then, when what runs here changed, every QEMU is masked by the new host CPU pools.</summary>
    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        try
        {
            return await ReconcileKeyAsync(key, ct);
        }
        finally
        {
            cpus.Reconciled(key);
            cpus.Enforce(tracked.Values);
        }
    }

    private async Task<ReconcileResult> ReconcileKeyAsync(string key, CancellationToken ct)
    {
        var vm = cache.Get(key);
        switch (VmRuntimeDecision.Admit(vm, options.NodeName))
        {
            case VmAdmission.Gone gone:
                if (gone.Forget)
                {
                    cache.Remove(key);
                }

                await StopGoneAsync(key, ct);
                return ReconcileResult.Done;
            case VmAdmission.Ignored { Problem: { } problem }:
                log.LogError("VM {Key}: {Problem}", key, problem);
                return ReconcileResult.Done;
            case VmAdmission.Managed managed:
                return await RunAsync(vm!, managed, ct);
            default:
                return ReconcileResult.Done;
        }
    }

    /// <summary>
    /// After the informer synced: state dirs of VMs this node no longer has (deleted while the agent was away) are
    /// stopped and removed. There is no object left to attach an Event to, so this is logged. The QEMUs still running
    /// for known VMs keep their dedicated CPUs out of the shared pool until each is adopted.
    /// </summary>
    public async Task CleanOrphansAsync(IReadOnlySet<Guid> known, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(known);
        foreach (var uid in runtime.StateDirectories().Where(u => !known.Contains(u) && !tracked.ContainsKey(u)))
        {
            var stop = await runtime.StopOrphanAsync(uid, ct);
            switch (stop.Kind)
            {
                case OrphanStopKind.HeldElsewhere:
                    log.LogWarning("orphan VM uid {Uid} is held by another supervisor: {Message}", uid, stop.Problem);
                    continue;
                case OrphanStopKind.NothingRan:
                    log.LogInformation("removing leftover state dir {Dir} (no VM, no QEMU)", runtime.StatePaths(uid).Directory);
                    break;
                case OrphanStopKind.Killed:
                    log.LogWarning("orphan VM uid {Uid}: QMP failed ({Message}); killed pid {Pid}", uid, stop.Problem, stop.Pid);
                    break;
                default:
                    log.LogWarning("orphan QEMU pid {Pid} of VM uid {Uid}: no such VM on node {Node}; stopped it", stop.Pid, uid, options.NodeName);
                    break;
            }

            runtime.ClearStateDirectory(uid);
            hugepagesChanged();
        }

        runtime.RemoveOrphanNetworkDevices();

        // The QEMUs left running for known VMs hold their dedicated CPUs until each is adopted.
        foreach (var vm in cache.List())
        {
            if (VmRuntimeDecision.Admit(vm, options.NodeName) is VmAdmission.Managed managed && !tracked.ContainsKey(managed.Uid) && runtime.RunningPid(managed.Uid) is not null)
            {
                cpus.AwaitAdoption(vm.Key, managed.Placement);
            }
        }

        RemoveDisksOfUnknownVms(known);
    }

    /// <summary>Lets go of every QEMU (QMP closed, locks released) without stopping any: VMs survive the agent.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (uid, held) in tracked.ToArray())
        {
            tracked.TryRemove(uid, out _);
            await runtime.ReleaseAsync(held.Process);
        }
    }

    internal IEnumerable<Measurement<double>> LocalRatios() =>
        tracked.Values.Where(t => t.LocalRatio is not null).Select(t =>
        {
            var (ns, name) = ObjectKey.Split(t.Key);
            return new Measurement<double>(t.LocalRatio!.Value, new("namespace", ns), new("name", name), new("node", options.NodeName));
        });

    internal IEnumerable<Measurement<int>> NumaAligned() => TrackedVmGauges.NumaAligned(tracked.Values, options.NodeName);

    internal IEnumerable<Measurement<double>> NumastatAges() => TrackedVmGauges.NumastatAges(tracked.Values, options.NodeName, options.Clock.GetUtcNow().UtcDateTime);

    /// <summary>Observes, decides, acts; an adoption or a clear-up changes what runs, so the decision is taken again once after it.</summary>
    private async Task<ReconcileResult> RunAsync(NumaVirtualMachine vm, VmAdmission.Managed managed, CancellationToken ct)
    {
        var uid = managed.Uid;
        var leftoversHandled = false;
        while (true)
        {
            var wantRunning = RunStrategies.WantsRunning(vm); // a recorded exit changes it (Manual, RerunOnFailure)
            var held = tracked.GetValueOrDefault(uid);
            if (held is null && Receiving(uid))
            {
                return ReconcileResult.After(TimeSpan.FromSeconds(1)); // the migration driver hands its QEMU over first
            }

            var process = held is null ? HeldProcess.None : runtime.IsAlive(held.Process) ? HeldProcess.Alive : HeldProcess.Dead;
            var leftover = held is not null || leftoversHandled || !runtime.HasStateDirectory(uid)
                ? Leftover.None
                : runtime.RunningPid(uid) is null ? Leftover.NothingRuns : Leftover.QemuRuns;
            switch (VmRuntimeDecision.Decide(vm, wantRunning, process, leftover, status.Now()))
            {
                case VmAction.Adopt adopt:
                    leftoversHandled = true;
                    if (await AdoptAsync(vm, managed, adopt.ReportDiedIfFails, ct) is not { } adoptedOrRecorded)
                    {
                        return ReconcileResult.Done;
                    }

                    vm = adoptedOrRecorded;
                    continue;
                case VmAction.ClearLeftovers clear:
                    leftoversHandled = true;
                    var evidence = $"QEMU of this VM is no longer running (found only its state dir {runtime.StatePaths(uid).Directory})" + runtime.SerialTail(uid);
                    runtime.ClearStateDirectory(uid);
                    if (clear.ReportDied)
                    {
                        if (await RecordExitAsync(vm, ExitReasons.Lost, evidence, ranFor: null, ct) is not { } recorded)
                        {
                            return ReconcileResult.Done;
                        }

                        vm = recorded;
                    }

                    continue;
                case VmAction.Stop stop:
                    await StopAsync(vm, uid, held, stop.Why, ct);
                    return ReconcileResult.Done;
                case VmAction.ReportExited:
                    if (await OnExitedAsync(vm, uid, held!, ct) is not { } exited)
                    {
                        return ReconcileResult.Done;
                    }

                    vm = exited;
                    continue;
                case VmAction.WaitToRestart wait:
                    return ReconcileResult.After(Max(wait.Until - status.Now(), TimeSpan.FromSeconds(1)));
                case VmAction.ConfirmRunning when VmRuntimeDecision.RestartRequested(vm, held!.TrackedSince):
                    await StopAsync(vm, uid, held, $"QEMU stopped: restart requested at {PowerRequest.Of(vm)!.At:yyyy-MM-dd'T'HH:mm:ss'Z'}", ct);
                    vm = cache.Get(vm.Key) ?? vm;
                    continue;
                case VmAction.ConfirmRunning:
                    var written = await ConfirmRunningAsync(vm, held!, ct);
                    return written is null ? ReconcileResult.Done : await sampling.SampleIfDueAsync(written, held!, ct);
                case VmAction.Start:
                    return await StartAsync(vm, managed, ct);
                default:
                    return ReconcileResult.Done; // StayFailed: level-triggered, Failed stays until the spec changes or running is toggled
            }
        }
    }

    /// <summary>Gone from this node's selection (deleted after the controller released it, or moved): nothing may keep running for it.</summary>
    private async Task StopGoneAsync(string key, CancellationToken ct)
    {
        foreach (var (uid, orphan) in tracked.Where(kv => kv.Value.Key == key).ToArray())
        {
            log.LogWarning("VM {Key} is gone; stopping its QEMU pid {Pid}", key, orphan.Process.Pid);
            await StopTrackedAsync(uid, orphan, ct);
        }

        RemoveDisksOfUnknownVms(cache.List().Select(v => Guid.TryParse(v.Metadata.Uid, out var u) ? u : Guid.Empty).ToHashSet());
    }

    /// <summary>The disks of a VM are removed with it: disk dirs of uids this node no longer has a VM for (and runs nothing for).</summary>
    private void RemoveDisksOfUnknownVms(IReadOnlySet<Guid> known)
    {
        foreach (var uid in runtime.DiskDirectories().Where(u => !known.Contains(u) && !tracked.ContainsKey(u) && !runtime.HasStateDirectory(u) && !Receiving(u)))
        {
            log.LogInformation("VM uid {Uid} is gone from node {Node}; removing its disks", uid, options.NodeName);
            runtime.RemoveDisks(uid);
        }
    }

    /// <summary>Takes over the QEMU a previous agent left running; null when the reconcile ends here (the VM is gone).</summary>
    private async Task<NumaVirtualMachine?> AdoptAsync(NumaVirtualMachine vm, VmAdmission.Managed managed, bool reportDiedIfFails, CancellationToken ct)
    {
        IVmProcess adopted;
        try
        {
            adopted = await runtime.AdoptAsync(managed.Uid, ct);
        }
        catch (VmAdoptFailedException e)
        {
            var evidence = "QEMU of this VM could not be adopted: " + e.Message + runtime.SerialTail(managed.Uid);
            runtime.ClearStateDirectory(managed.Uid);
            return reportDiedIfFails ? await RecordExitAsync(vm, ExitReasons.Lost, evidence, ranFor: null, ct) : vm;
        }

        tracked[managed.Uid] = new TrackedVm(vm.Key, adopted, managed.Placement, adopted: true) { TrackedSince = status.Now() };
        AgentTelemetry.CountStart(vm.Key, options.NodeName, restart: false);
        log.LogInformation("VM {Key}: adopted running QEMU pid {Pid}", vm.Key, adopted.Pid);
        await status.Events.NormalAsync(vm, EventAdopted, $"QEMU pid {adopted.Pid} adopted; not restarted", ct);
        if (cpus.PlanOf(managed.Placement, tracked.Values) is { } plan && runtime.VerifyPinning(adopted, plan) is { Count: > 0 } problems)
        {
            var message = "adopted QEMU's pinning drifted: " + string.Join("; ", problems);
            log.LogWarning("VM {Key}: {Message}", vm.Key, message);
            await status.Events.WarningAsync(vm, EventPinningDrift, message, ct);
        }

        return vm;
    }

    /// <summary>Status says Running for the QEMU held; skipped when this very object version was already confirmed.</summary>
    private async Task<NumaVirtualMachine?> ConfirmRunningAsync(NumaVirtualMachine vm, TrackedVm held, CancellationToken ct)
    {
        var message = held.RunningMessage(options.NodeName, options.LaunchStrategy.Name);
        var confirmed = vm.Metadata.ResourceVersion + "\n" + message;
        if (held.RunningConfirmedAt == confirmed)
        {
            return vm;
        }

        var written = await status.WriteAsync(vm, d => AgentConditions.SetRunning(d, message, status.Now()), ct);
        held.RunningConfirmedAt = written is null ? null : written.Metadata.ResourceVersion + "\n" + message;
        return written;
    }

    private async Task StopAsync(NumaVirtualMachine vm, Guid uid, TrackedVm? held, string why, CancellationToken ct)
    {
        if (held is not null)
        {
            vm = await status.WriteAsync(vm, d => AgentConditions.SetStopping(d, $"stopping QEMU pid {held.Process.Pid}", status.Now()), ct) ?? vm;
            await StopTrackedAsync(uid, held, ct);
            await status.Events.NormalAsync(vm, EventStopped, $"QEMU pid {held.Process.Pid} stopped", ct);
        }

        if (vm.Metadata.DeletionTimestamp is not null)
        {
            runtime.RemoveDisks(uid);
        }

        await status.WriteAsync(vm, d => SetStopped(d, why, status.Now()), ct);
    }

    private async Task StopTrackedAsync(Guid uid, TrackedVm held, CancellationToken ct)
    {
        using var activity = AgentTelemetry.Source.StartActivity("stop vm");
        activity?.SetTag("vm", held.Key);
        tracked.TryRemove(uid, out _);
        await StopProcessAsync(held.Process, ct);
        hugepagesChanged();
        log.LogInformation("VM {Key}: QEMU pid {Pid} stopped", held.Key, held.Process.Pid);
    }
}
