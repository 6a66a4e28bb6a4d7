using System.Net;
using k8s;
using Microsoft.Extensions.Logging;
using NumaOperator.Agent.Launch;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Placement;
using NumaOperator.Qemu.Migration;
using NumaOperator.Qemu.Qmp;

namespace NumaOperator.Agent.Migration;

/// <summary>The target side: incoming QEMU, measurement before the guest resumes, handover.</summary>
public sealed partial class MigrationReconciler
{
    private async Task<ReconcileResult> TargetAsync(NumaVirtualMachineMigration migration, Guid uid, CancellationToken ct)
    {
        var held = incoming.GetValueOrDefault(uid);
        var phase = MigrationPhases.Of(migration.Status?.Phase);
        string? stream = null;
        var alive = held is not null && runtime.IsAlive(held.Process);
        if (alive)
        {
            try
            {
                stream = (await runtime.QueryMigrationAsync(held!.Process, ct)).Status;
            }
            catch (QmpException e)
            {
                alive = false;
                log.LogWarning("migration {Key}: incoming QEMU pid {Pid} did not answer: {Message}", migration.Key, held!.Process.Pid, e.Message);
            }
        }

        var kind = held is not null ? IncomingHeld.Held : runtime.HasIncomingDirectory(uid) ? IncomingHeld.Orphan : IncomingHeld.None;
        var committed = phase is MigrationPhases.TargetRunning or MigrationPhases.Succeeded && await CommittedHereAsync(migration, ct);
        var step = MigrationStep.DecideTarget(new TargetView(phase, migration.Metadata.DeletionTimestamp is not null, kind, alive, stream, committed));
        switch (step)
        {
            case TargetStep.StartIncoming:
                return await StartIncomingAsync(migration, uid, ct);
            case TargetStep.MeasureAndResume:
                return await MeasureAndResumeAsync(migration, held!, ct);
            case TargetStep.FailIncoming:
                await StopIncomingAsync(uid, ct);
                await status.FailAsync(migration, MigrationReasons.MigrationFailed, $"the incoming QEMU on {options.NodeName} {(stream is null ? "exited" : "saw the stream " + stream)} before the move completed; stopped", ct);
                return ReconcileResult.Done;
            case TargetStep.FailRestarted:
                await StopIncomingAsync(uid, ct);
                await status.FailAsync(migration, MigrationReasons.TargetFailed, $"target agent restarted on {options.NodeName} during the move; its incoming QEMU was stopped", ct);
                return ReconcileResult.Done;
            case TargetStep.StopIncoming:
                await StopIncomingAsync(uid, ct);
                return ReconcileResult.Done;
            case TargetStep.HandOver:
                await HandOverAsync(migration, uid, held, ct);
                return ReconcileResult.Done;
            case TargetStep.Watch:
                return ReconcileResult.After(Poll);
            default:
                return ReconcileResult.Done;
        }
    }

    private async Task<ReconcileResult> StartIncomingAsync(NumaVirtualMachineMigration migration, Guid uid, CancellationToken ct)
    {
        var s = migration.Status!;
        var vm = await store.ReadVmAsync(migration.Metadata.NamespaceProperty, migration.Spec.VmName, ct);
        if (vm is null || vm.Metadata.Uid != s.VmUid || s.TargetPlacement is null)
        {
            await status.FailAsync(migration, MigrationReasons.TargetFailed, $"VM {migration.Spec.VmName} (uid {s.VmUid}) or status.targetPlacement is gone", ct);
            return ReconcileResult.Done;
        }

        IncomingVm started;
        VmPlacement placement;
        try
        {
            placement = PlacementConversion.FromStatus(options.NodeName, s.TargetPlacement);
            var host = topology() ?? throw new LaunchRefusedException(LaunchRefusal.HostNotReady, "host topology not read yet");
            var (capabilities, problem) = qemu();
            var seed = await CloudInitSources.ResolveAsync(vm, secrets, ct);
            var prepared = runtime.Prepare(new VmLaunchRequest(vm.Metadata.Name, uid, placement, SpecBootFiles.Of(vm.Spec.Boot), host, capabilities, problem)
            {
                Interfaces = SpecInterfaces.Of(uid, vm.Spec.Interfaces),
                Disks = SpecDisks.Of(vm, seed),
                Incoming = true,
            });
            started = await runtime.StartIncomingAsync(prepared, ct);
        }
        catch (Exception e) when (e is LaunchRefusedException or CloudInitUnavailableException or FormatException)
        {
            await status.FailAsync(migration, MigrationReasons.TargetFailed, $"pre-flight on {options.NodeName}: {e.Message}", ct);
            return ReconcileResult.Done;
        }
        catch (VmStartFailedException e)
        {
            await status.FailAsync(migration, MigrationReasons.TargetFailed, $"incoming QEMU on {options.NodeName}: {e.Message}", ct);
            return ReconcileResult.Done;
        }

        incoming[uid] = started;
        var address = Qemu.Migration.QmpMigration.FormatAddress(AdvertisedHost(), started.Port);
        log.LogInformation("migration {Key}: incoming QEMU pid {Pid} paused, listening at {Address}", migration.Key, started.Process.Pid, address);
        var written = await status.AdvanceAsync(migration, MigrationPhases.TargetReady, st =>
        {
            st.TargetAddress = address;
            st.Message = $"incoming QEMU pid {started.Process.Pid} on {options.NodeName} pinned and paused, listening at {address}";
        }, ct);
        if (written is null)
        {
            await StopIncomingAsync(uid, ct); // it failed (or was deleted) meanwhile
            return ReconcileResult.Done;
        }

        return ReconcileResult.After(Poll);
    }

    /// <summary>
    /// Measured while still paused; TargetRunning is written BEFORE the guest resumes here, so a move failed meanwhile
    /// (the source resumed) never ends with the guest running twice.
    /// </summary>
    private async Task<ReconcileResult> MeasureAndResumeAsync(NumaVirtualMachineMigration migration, IncomingVm held, CancellationToken ct)
    {
        var uid = held.Process.Uid;
        var placement = PlacementConversion.FromStatus(options.NodeName, migration.Status!.TargetPlacement!);
        var sample = await runtime.SampleAsync(held.Process, placement, ct);
        if (sample is not VmSample.Measured { Verdict.Aligned: true } measured)
        {
            var why = sample switch
            {
                VmSample.Measured m => m.Verdict.Message,
                VmSample.Unreadable u => "numa_maps unreadable: " + u.Problem,
                VmSample.RamNotLocated r => "guest RAM not located: " + r.Problem,
                _ => sample.ToString(),
            };
            await StopIncomingAsync(uid, ct);
            await status.FailAsync(migration, MigrationReasons.TargetNotAligned, $"the received guest RAM on {options.NodeName} is not where targetPlacement says: {why}; target stopped", ct);
            return ReconcileResult.Done;
        }

        var numastat = AgentConditions.Numastat(measured.Measurement, placement.HostNodes, status.Now());
        var written = await status.AdvanceAsync(migration, MigrationPhases.TargetRunning, st =>
        {
            st.TargetNumastat = numastat;
            st.Message = $"guest resumed on {options.NodeName}, QEMU pid {held.Process.Pid}: {AgentConditions.Describe(numastat)}";
        }, ct);
        if (written is null)
        {
            await StopIncomingAsync(uid, ct);
            return ReconcileResult.Done;
        }

        await runtime.ResumeAsync(held.Process, ct);
        log.LogInformation("migration {Key}: guest resumed in QEMU pid {Pid} on {Node}", migration.Key, held.Process.Pid, options.NodeName);
        return ReconcileResult.After(Poll);
    }

    /// <summary>The source's QEMU on this node (paused in postmigrate) goes first, then STATE/incoming/UID becomes STATE/vms/UID.</summary>
    private async Task HandOverAsync(NumaVirtualMachineMigration migration, Guid uid, IncomingVm? held, CancellationToken ct)
    {
        if (vms.Release(uid) is { } source)
        {
            log.LogInformation("migration {Key}: stopping the source QEMU pid {Pid} on this node before the handover", migration.Key, source.Pid);
            await runtime.StopPausedAsync(source, ct);
        }
        else if (runtime.HasStateDirectory(uid))
        {
            await runtime.StopOrphanAsync(uid, ct);
            runtime.ClearStateDirectory(uid);
        }

        await runtime.HandOverAsync(uid, held?.Process, ct);
        incoming.TryRemove(uid, out _);
        log.LogInformation("migration {Key}: VM uid {Uid} handed over to the VM runtime", migration.Key, uid);
        if (held is not null)
        {
            // The target's own forwarded host ports and taps; an adopted QEMU never rewrites status.interfaces.
            await store.WriteVmInterfacesAsync(migration.Metadata.NamespaceProperty, migration.Spec.VmName, SpecInterfaces.Status(held.Process.Nics), ct);
        }
        else
        {
            log.LogWarning("migration {Key}: handed over a QEMU a previous agent started; status.interfaces keeps what was written before", migration.Key);
        }

        vms.Poke(uid);
    }

    private async Task StopIncomingAsync(Guid uid, CancellationToken ct)
    {
        if (incoming.TryRemove(uid, out var held))
        {
            await runtime.StopPausedAsync(held.Process, ct);
        }
        else if (runtime.HasIncomingDirectory(uid))
        {
            await runtime.StopIncomingOrphanAsync(uid, ct);
        }
    }

    /// <summary>The VM's status.nodeName is this node and its status.placement the target's: the controller committed the move.</summary>
    private async Task<bool> CommittedHereAsync(NumaVirtualMachineMigration migration, CancellationToken ct)
    {
        var vm = await store.ReadVmAsync(migration.Metadata.NamespaceProperty, migration.Spec.VmName, ct);
        return vm?.Status is { } s && vm.Metadata.Uid == migration.Status!.VmUid && s.NodeName == options.NodeName
            && KubernetesJson.Serialize(s.Placement) == KubernetesJson.Serialize(migration.Status.TargetPlacement);
    }

    /// <summary>The host peers reach this node at: --migration-address, else the console endpoint's advertised or listen address, else the host name.</summary>
    private string AdvertisedHost() =>
        options.MigrationAdvertiseAddress
        ?? options.ConsoleAdvertiseAddress
        ?? (options.ConsoleListen is { } listen && !listen.Address.Equals(IPAddress.Any) && !listen.Address.Equals(IPAddress.IPv6Any) ? listen.Address.ToString() : null)
        ?? Dns.GetHostName();
}
