using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.Controller.Runtime;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Launching;
using NumaOperator.Qemu.Measurement;
using NumaOperator.Qemu.Preflight;
using NumaOperator.Qemu.Qmp;
using NumaOperator.Qemu.Supervision;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// Drives this node's QEMU processes from its VMs (level-triggered, one key at a time per VM):
/// placed here, spec.running not false and not deleting → adopt the running QEMU of metadata.uid or pre-flight,
/// launch, pin, cont; running false or deleting → stop; a QEMU that died by itself → Failed (no restart until the
/// spec changes or running is toggled). While a VM runs, its key comes back every LivenessInterval (is QEMU alive?)
/// and its numa_maps is sampled every SampleInterval; status is written only when it changed.
/// </summary>
public sealed class VmRuntimeReconciler : IReconciler, IAsyncDisposable
{
    public const string EventStarted = "Started";
    public const string EventAdopted = "Adopted";
    public const string EventStopped = "Stopped";
    public const string EventPinningDrift = "PinningDrift";
    public const string EventOrphanStopped = "OrphanStopped";

    private const int SerialTailLines = 5;

    private readonly ObjectCache<NumaVirtualMachine> cache;
    private readonly CustomResourceWriter<NumaVirtualMachine> writer;
    private readonly EventRecorder events;
    private readonly AgentOptions options;
    private readonly Func<HostTopology?> topology;
    private readonly Func<(QemuCapabilities? Qemu, string? Problem)> qemu;
    private readonly Action hugepagesChanged;
    private readonly ILogger log;
    private readonly VmSupervisor supervisor;
    private readonly ConcurrentDictionary<Guid, TrackedVm> tracked = new();

    internal VmRuntimeReconciler(
        ObjectCache<NumaVirtualMachine> cache,
        CustomResourceWriter<NumaVirtualMachine> writer,
        EventRecorder events,
        AgentOptions options,
        Func<HostTopology?> topology,
        Func<(QemuCapabilities? Qemu, string? Problem)> qemu,
        Action hugepagesChanged,
        ILogger log)
    {
        this.qemu = qemu;
        this.cache = cache;
        this.writer = writer;
        this.events = events;
        this.options = options;
        this.topology = topology;
        this.hugepagesChanged = hugepagesChanged;
        this.log = log;
        supervisor = new VmSupervisor { PowerdownGrace = options.StopGrace };
    }

    /// <summary>STATE/vms: one directory per VM uid.</summary>
    public string VmsDirectory => Path.Combine(options.StateDirectory, "vms");

    /// <summary>uid → pid of every QEMU this agent holds now.</summary>
    public IReadOnlyDictionary<Guid, int> RunningPids => tracked.ToDictionary(kv => kv.Key, kv => kv.Value.Vm.Pid);

    public VmStatePaths StatePaths(Guid uid) => new(Path.Combine(VmsDirectory, uid.ToString("D")));

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var vm = cache.Get(key);
        if (vm is not null && !LabelledHere(vm))
        {
            // Our own status write can put a VM back into the cache after its label moved away (the write raced the
            // DELETED the server sent for the move, and no other event follows): it is not this node's VM any more.
            cache.Remove(key);
            vm = null;
        }

        if (vm is null)
        {
            // Gone from this node's selection (deleted after the controller released it, or moved): nothing may keep running for it.
            foreach (var (uid, orphan) in tracked.Where(kv => kv.Value.Key == key).ToArray())
            {
                log.LogWarning("VM {Key} is gone; stopping its QEMU pid {Pid}", key, orphan.Vm.Pid);
                await StopTrackedAsync(uid, orphan, ct);
            }

            return ReconcileResult.Done;
        }

        if (!Guid.TryParse(vm.Metadata.Uid, out var vmUid))
        {
            log.LogError("VM {Key} has no UUID metadata.uid ({Uid}); cannot run it", key, vm.Metadata.Uid);
            return ReconcileResult.Done;
        }

        var status = vm.Status;
        if (status?.Placement is null || status.NodeName != options.NodeName)
        {
            return ReconcileResult.Done; // not (or no longer) placed here; the label moves after the placement
        }

        VmPlacement placement;
        try
        {
            placement = PlacementConversion.FromStatus(status.NodeName, status.Placement);
        }
        catch (FormatException e)
        {
            log.LogError("VM {Key}: unreadable status.placement: {Message}", key, e.Message);
            return ReconcileResult.Done;
        }

        var state = StatePaths(vmUid);
        var wantRunning = vm.Spec.Running != false && vm.Metadata.DeletionTimestamp is null;
        var held = tracked.GetValueOrDefault(vmUid);
        if (held is null && Directory.Exists(state.Directory))
        {
            (held, var goneEvidence) = await AdoptOrClearAsync(vm, vmUid, state, placement, ct);
            if (goneEvidence is not null && wantRunning && status.Phase is AgentConditions.PhaseRunning or AgentConditions.PhaseStarting or AgentConditions.PhaseStopping)
            {
                await FailAsync(vm, AgentConditions.ReasonProcessExited, goneEvidence, ct);
                return ReconcileResult.Done;
            }
        }

        if (!wantRunning)
        {
            if (held is not null)
            {
                vm = await WriteStatusAsync(vm, d => AgentConditions.SetStopping(d, $"stopping QEMU pid {held.Vm.Pid}", Now()), ct) ?? vm;
                await StopTrackedAsync(vmUid, held, ct);
                await events.NormalAsync(vm, EventStopped, $"QEMU pid {held.Vm.Pid} stopped", ct);
            }

            var why = vm.Metadata.DeletionTimestamp is not null ? "QEMU stopped: the VM is being deleted" : "QEMU stopped: spec.running is false";
            await WriteStatusAsync(vm, d => AgentConditions.SetStopped(d, why, Now()), ct);
            return ReconcileResult.Done;
        }

        if (held is not null)
        {
            if (!IsAlive(held))
            {
                await OnExitedAsync(vm, vmUid, held, ct);
                return ReconcileResult.Done;
            }

            var written = await ConfirmRunningAsync(vm, held, ct);
            if (written is null)
            {
                return ReconcileResult.Done;
            }

            return await SampleIfDueAsync(written, held, ct);
        }

        if (AgentConditions.FailedForThisGeneration(vm))
        {
            return ReconcileResult.Done; // level-triggered: Failed stays until the spec changes or running is toggled
        }

        return await StartAsync(vm, vmUid, state, placement, ct);
    }

    /// <summary>
    /// After the informer synced: state dirs of VMs this node no longer has (deleted while the agent was away) are
    /// stopped and removed. There is no object left to attach an Event to, so this is logged.
    /// </summary>
    public async Task CleanOrphansAsync(IReadOnlySet<Guid> known, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(known);
        if (!Directory.Exists(VmsDirectory))
        {
            return;
        }

        foreach (var dir in Directory.EnumerateDirectories(VmsDirectory))
        {
            if (!Guid.TryParse(Path.GetFileName(dir), out var uid) || known.Contains(uid) || tracked.ContainsKey(uid))
            {
                continue;
            }

            var state = StatePaths(uid);
            if (VmSupervisor.RunningPid(state, uid) is { } pid)
            {
                log.LogWarning("orphan QEMU pid {Pid} of VM uid {Uid}: no such VM on node {Node}; stopping it", pid, uid, options.NodeName);
                try
                {
                    var vm = await VmSupervisor.AdoptAsync(state, uid, ct);
                    await supervisor.StopAsync(vm, ct);
                }
                catch (VmLockedException e)
                {
                    log.LogWarning("orphan VM uid {Uid} is held by another supervisor: {Message}", uid, e.Message);
                    continue;
                }
                catch (Exception e) when (e is InvalidOperationException or IOException or QmpException)
                {
                    log.LogWarning("orphan VM uid {Uid}: QMP failed ({Message}); killing pid {Pid}", uid, e.Message, pid);
                    await VmSupervisor.KillAsync(pid);
                }
            }
            else
            {
                log.LogInformation("removing leftover state dir {Dir} (no VM, no QEMU)", dir);
            }

            RemoveStateDirectory(state);
            hugepagesChanged();
        }
    }

    /// <summary>Lets go of every QEMU (QMP closed, locks released) without stopping any: VMs survive the agent.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (uid, held) in tracked.ToArray())
        {
            tracked.TryRemove(uid, out _);
            await held.Vm.DisposeAsync();
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

    private async Task<ReconcileResult> StartAsync(NumaVirtualMachine vm, Guid uid, VmStatePaths state, VmPlacement placement, CancellationToken ct)
    {
        using var activity = AgentTelemetry.Source.StartActivity("start vm");
        activity?.SetTag("vm", vm.Key);
        var host = topology() ?? throw new InvalidOperationException("host topology not read yet; retrying");
        PreparedLaunch prepared;
        try
        {
            // Everything but the boot files comes from status.placement (accelerator, CPU model, policy included), so
            // the spec is not parsed again here and SpecDrift sees every field that changes the argv.
            var (capabilities, problem) = qemu();
            var preflightHost = new PreflightHost(options.QemuPath, HugetlbfsMounts.Discover(), new HugepageCounters(), capabilities, problem);
            prepared = LaunchPreparation.Prepare(
                vm.Metadata.Name, uid, placement, vm.Spec.Boot, new ImageRoot(options.ImageRoot), state,
                preflightHost, options.QemuUser, host, options.OmitBindingForTest ? BindingForTest.Omitted : BindingForTest.AsPlaced);
        }
        catch (PreflightException e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            var reason = e.IsBadInput && e.Message.StartsWith("spec.boot", StringComparison.Ordinal) ? AgentConditions.ReasonBadBootFile : AgentConditions.ReasonPreflightFailed;
            await FailAsync(vm, reason, "pre-flight: " + e.Message, ct);
            return reason == AgentConditions.ReasonPreflightFailed ? ReconcileResult.After(options.PreflightRetryInterval) : ReconcileResult.Done;
        }

        var current = await WriteStatusAsync(vm, d => AgentConditions.SetStarting(d, Now()), ct);
        if (current is null)
        {
            return ReconcileResult.Done;
        }

        var argv = options.LaunchStrategy.Wrap(prepared.QemuArgv, prepared.Spec);
        RunningVm running;
        try
        {
            running = await supervisor.StartAsync(argv, prepared.Spec, host, ct);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or QmpException or System.ComponentModel.Win32Exception)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            var evidence = SerialTail(state);
            if (VmSupervisor.RunningPid(state, uid) is { } pid)
            {
                await VmSupervisor.KillAsync(pid);
            }

            RemoveStateDirectory(state);
            hugepagesChanged();
            await FailAsync(current, AgentConditions.ReasonStartFailed, "QEMU did not start: " + e.Message + evidence, ct);
            return ReconcileResult.Done;
        }

        var held = new TrackedVm(vm.Key, running, placement, prepared.Facts.HugetlbfsMounts, adopted: false) { Cpu = prepared.Spec.Cpu, TrackedSince = Now() };
        tracked[uid] = held;
        AgentTelemetry.CountStart(vm.Key, options.NodeName, RestartRule.IsRestart(vm));
        hugepagesChanged();
        var timings = running.Timings!;
        log.LogInformation(
            "VM {Key} started: QEMU pid {Pid} ({Strategy}), daemonized {Daemonized} ms, running {Running} ms",
            vm.Key, running.Pid, options.LaunchStrategy.Name, (int)timings.Daemonized.TotalMilliseconds, (int)timings.Running.TotalMilliseconds);
        current = await WriteStatusAsync(current, d => AgentConditions.SetRunning(d, held.RunningMessage(options.NodeName, options.LaunchStrategy.Name), Now()), ct);
        await events.NormalAsync(vm, EventStarted, $"QEMU pid {running.Pid} started on {options.NodeName} and pinned", ct);
        return current is null ? ReconcileResult.Done : await SampleIfDueAsync(current, held, ct);
    }

    /// <summary>A state dir exists but this agent holds no QEMU for it: adopt the live one, or clear what a dead one left.</summary>
    private async Task<(TrackedVm? Held, string? GoneEvidence)> AdoptOrClearAsync(NumaVirtualMachine vm, Guid uid, VmStatePaths state, VmPlacement placement, CancellationToken ct)
    {
        if (VmSupervisor.RunningPid(state, uid) is null)
        {
            var evidence = $"QEMU of this VM is no longer running (found only its state dir {state.Directory})" + SerialTail(state);
            RemoveStateDirectory(state);
            return (null, evidence);
        }

        RunningVm adopted;
        try
        {
            adopted = await VmSupervisor.AdoptAsync(state, uid, ct);
        }
        catch (InvalidOperationException e)
        {
            var evidence = "QEMU of this VM could not be adopted: " + e.Message + SerialTail(state);
            RemoveStateDirectory(state);
            return (null, evidence);
        }

        var held = new TrackedVm(vm.Key, adopted, placement, HugetlbfsMounts.Discover(), adopted: true) { TrackedSince = Now() };
        tracked[uid] = held;
        AgentTelemetry.CountStart(vm.Key, options.NodeName, restart: false);
        log.LogInformation("VM {Key}: adopted running QEMU pid {Pid}", vm.Key, adopted.Pid);
        await events.NormalAsync(vm, EventAdopted, $"QEMU pid {adopted.Pid} adopted; not restarted", ct);
        if (topology() is { } host)
        {
            var problems = VmSupervisor.VerifyPinning(adopted.Pid, adopted.VcpuThreads, PinningPlan.For(placement, host));
            if (problems.Count > 0)
            {
                var message = "adopted QEMU's pinning drifted: " + string.Join("; ", problems);
                log.LogWarning("VM {Key}: {Message}", vm.Key, message);
                await events.WarningAsync(vm, EventPinningDrift, message, ct);
            }
        }

        return (held, null);
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

        var written = await WriteStatusAsync(vm, d => AgentConditions.SetRunning(d, message, Now()), ct);
        held.RunningConfirmedAt = written is null ? null : written.Metadata.ResourceVersion + "\n" + message;
        return written;
    }

    private async Task<ReconcileResult> SampleIfDueAsync(NumaVirtualMachine vm, TrackedVm held, CancellationToken ct)
    {
        var now = Now();
        if (held.LastSample is { } last && now - last < options.SampleInterval)
        {
            return Next(held, now);
        }

        using var activity = AgentTelemetry.Source.StartActivity("sample numa_maps");
        activity?.SetTag("vm", vm.Key);
        NumaMeasurement measurement;
        NumaVerdict verdict;
        try
        {
            held.RamAddresses ??= await ProcessMeasurement.LocateAsync(held.Vm.Qmp, held.Placement, ct);
            (measurement, verdict) = await ProcessMeasurement.MeasureAsync(held.Vm.Pid, held.Placement, held.Mounts, held.RamAddresses, ct);
        }
        catch (IOException e)
        {
            AgentTelemetry.CountSample(options.NodeName, AgentTelemetry.SampleUnreadable);
            log.LogInformation("VM {Key}: numa_maps of pid {Pid} unreadable ({Message}); checking liveness", vm.Key, held.Vm.Pid, e.Message);
            return ReconcileResult.After(TimeSpan.FromMilliseconds(200));
        }
        catch (QmpException e)
        {
            log.LogWarning("VM {Key}: QEMU pid {Pid} did not say where its guest RAM is ({Message}); trying again", vm.Key, held.Vm.Pid, e.Message);
            return ReconcileResult.After(options.LivenessInterval);
        }

        held.LastSample = now;
        held.LocalRatio = measurement.LocalRatio;
        held.Verdict = verdict;
        AgentTelemetry.CountSample(options.NodeName, AgentTelemetry.SampleOk);
        var hostNodes = topology()?.NumaNodes.Select(n => n.Id) ?? [];
        var numastat = AgentConditions.Numastat(measurement, hostNodes, now);
        var why = NumastatDecision.ReasonToWrite(vm, numastat, verdict, now, options.NumastatMaxAge);
        if (why is not null)
        {
            var lost = NumastatDecision.AlignmentLost(vm, verdict);
            log.LogDebug("VM {Key}: numastat written ({Why}): {Where}", vm.Key, why, AgentConditions.Describe(numastat));
            var written = await WriteStatusAsync(vm, d =>
            {
                AgentConditions.SetRunning(d, held.RunningMessage(options.NodeName, options.LaunchStrategy.Name), now);
                AgentConditions.SetMeasured(d, numastat, verdict, now);
            }, ct);
            if (lost && written is not null)
            {
                log.LogWarning("VM {Key}: {Message}", vm.Key, verdict.Message);
                await events.WarningAsync(vm, verdict.Reason, verdict.Message, ct);
            }
        }

        return Next(held, now);
    }

    private ReconcileResult Next(TrackedVm held, DateTime now)
    {
        var untilSample = held.LastSample is { } last ? options.SampleInterval - (now - last) : TimeSpan.Zero;
        var delay = untilSample < options.LivenessInterval ? untilSample : options.LivenessInterval;
        return ReconcileResult.After(delay > TimeSpan.Zero ? delay : TimeSpan.FromMilliseconds(100));
    }

    private async Task OnExitedAsync(NumaVirtualMachine vm, Guid uid, TrackedVm held, CancellationToken ct)
    {
        var evidence = $"QEMU pid {held.Vm.Pid} exited on its own" + SerialTail(held.Vm.State);
        log.LogWarning("VM {Key}: {Evidence}", vm.Key, evidence);
        tracked.TryRemove(uid, out _);
        await held.Vm.DisposeAsync();
        RemoveStateDirectory(held.Vm.State);
        hugepagesChanged();
        await FailAsync(vm, AgentConditions.ReasonProcessExited, evidence + "; not restarted: toggle spec.running or change the spec to start it again", ct);
    }

    private async Task FailAsync(NumaVirtualMachine vm, string reason, string message, CancellationToken ct)
    {
        var written = await WriteStatusAsync(vm, d => AgentConditions.SetFailed(d, reason, message, Now()), ct);
        if (written is not null)
        {
            await events.WarningAsync(vm, reason, message, ct);
        }
    }

    private async Task StopTrackedAsync(Guid uid, TrackedVm held, CancellationToken ct)
    {
        using var activity = AgentTelemetry.Source.StartActivity("stop vm");
        activity?.SetTag("vm", held.Key);
        tracked.TryRemove(uid, out _);
        try
        {
            await supervisor.StopAsync(held.Vm, ct);
        }
        catch (DirectoryNotFoundException)
        {
            // the state dir was already gone
        }

        RemoveStateDirectory(held.Vm.State);
        hugepagesChanged();
        log.LogInformation("VM {Key}: QEMU pid {Pid} stopped", held.Key, held.Vm.Pid);
    }

    /// <summary>The informer's label selector, applied to an object the cache holds.</summary>
    private bool LabelledHere(NumaVirtualMachine vm) =>
        vm.Metadata.Labels is { } labels && labels.TryGetValue(ApiGroup.NodeLabel, out var node) && node == options.NodeName;

    private static bool IsAlive(TrackedVm held) => ProcFs.IsAlive(held.Vm.Pid) && VmSupervisor.RunningPid(held.Vm.State, held.Vm.Uuid) == held.Vm.Pid;

    /// <summary>
    /// Patches status from the object as read; on 409 reads it again and recomputes (the controller writes status
    /// too). Returns the written (or unchanged) object, or null when the VM is gone.
    /// </summary>
    private async Task<NumaVirtualMachine?> WriteStatusAsync(NumaVirtualMachine current, Action<NumaVirtualMachine> mutate, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var desired = ObjectKey.Clone(current);
            mutate(desired);
            try
            {
                var written = await writer.PatchStatusAsync(current, desired, ct);
                if (written is null)
                {
                    return current;
                }

                cache.Upsert(written, out _);
                return written;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < CustomResourceWriter<NumaVirtualMachine>.ConflictAttempts)
            {
                var fresh = await writer.ReadAsync(current.Metadata.NamespaceProperty, current.Metadata.Name, ct);
                if (fresh is null)
                {
                    return null;
                }

                cache.Upsert(fresh, out _);
                current = fresh;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        }
    }

    private static string SerialTail(VmStatePaths state)
    {
        try
        {
            var lines = File.ReadAllLines(state.SerialLog).Where(l => l.Trim().Length > 0).TakeLast(SerialTailLines).ToArray();
            var text = string.Join(" | ", lines.Select(l => l.Trim()));
            return text.Length == 0 ? "; serial log empty" : "; last serial output: " + (text.Length > 400 ? text[^400..] : text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private void RemoveStateDirectory(VmStatePaths state)
    {
        try
        {
            if (Directory.Exists(state.Directory))
            {
                Directory.Delete(state.Directory, recursive: true);
            }
        }
        catch (IOException e)
        {
            log.LogWarning("could not remove state dir {Dir}: {Message}", state.Directory, e.Message);
        }
    }

    /// <summary>Whole seconds: metav1.Time carries no fraction.</summary>
    private DateTime Now()
    {
        var now = options.Clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }
}
