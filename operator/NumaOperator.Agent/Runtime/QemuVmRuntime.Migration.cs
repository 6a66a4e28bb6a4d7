using Microsoft.Extensions.Logging;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Migration;
using NumaOperator.Qemu.Networking;
using NumaOperator.Qemu.Preflight;
using NumaOperator.Qemu.Qmp;
using NumaOperator.Qemu.Supervision;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// The live-migration half of the real runtime: the target's paused QEMU in STATE/incoming/UID (-incoming defer,
/// listening on port 0 of every address, the port read back from query-migrate), the source's QMP migrate, and the
/// handover of the incoming dir to STATE/vms/UID.
/// </summary>
public sealed partial class QemuVmRuntime
{
    /// <summary>The incoming QEMU listens on every address; status.targetAddress names the one peers should use.</summary>
    private const string ListenHost = "0.0.0.0";

    public VmStatePaths IncomingStatePaths(Guid uid) => VmStatePaths.ForIncoming(options.StateDirectory, uid);

    public IReadOnlyList<Guid> IncomingDirectories() => VmStatePaths.UidsUnder(VmStatePaths.IncomingRoot(options.StateDirectory));

    public bool HasIncomingDirectory(Guid uid) => Directory.Exists(IncomingStatePaths(uid).Directory);

    public async Task<IncomingVm> StartIncomingAsync(IPreparedLaunch launch, CancellationToken ct)
    {
        var process = await LaunchAsync(launch, paused: true, ct);
        try
        {
            var port = await QmpMigration.ListenAsync(Held(process).Vm.Qmp, ListenHost, ct);
            log.LogInformation("VM uid {Uid}: incoming QEMU pid {Pid} listens on port {Port}", process.Uid, process.Pid, port);
            return new IncomingVm(process, port);
        }
        catch (Exception e) when (e is QmpException or IOException)
        {
            var evidence = SerialTail(IncomingStatePaths(process.Uid));
            await StopPausedAsync(process, ct);
            throw new VmStartFailedException("incoming QEMU did not listen: " + e.Message + evidence, e);
        }
    }

    public Task<MigrationInfo> QueryMigrationAsync(IVmProcess process, CancellationToken ct) => QmpMigration.QueryAsync(Held(process).Vm.Qmp, ct);

    public Task StartMigrationAsync(IVmProcess source, string targetAddress, MigrationSettings settings, CancellationToken ct) =>
        QmpMigration.StartAsync(Held(source).Vm.Qmp, targetAddress, settings, ct);

    public Task CancelMigrationAsync(IVmProcess process, CancellationToken ct) => QmpMigration.CancelAsync(Held(process).Vm.Qmp, ct);

    public Task<string> RunStateAsync(IVmProcess process, CancellationToken ct) => QmpMigration.RunStateAsync(Held(process).Vm.Qmp, ct);

    public Task ResumeAsync(IVmProcess process, CancellationToken ct) => QmpMigration.ResumeAsync(Held(process).Vm.Qmp, ct);

    public async Task StopPausedAsync(IVmProcess process, CancellationToken ct)
    {
        var vm = Held(process).Vm;
        try
        {
            await VmSupervisor.QuitAsync(vm, ct);
        }
        catch (DirectoryNotFoundException)
        {
            // the state dir was already gone
        }

        Clear(process.Uid, vm.State);
    }

    public async Task<OrphanStop> StopIncomingOrphanAsync(Guid uid, CancellationToken ct)
    {
        var state = IncomingStatePaths(uid);
        var pid = VmSupervisor.RunningPid(state, uid);
        try
        {
            if (pid is not null)
            {
                await VmSupervisor.QuitAsync(await VmSupervisor.AdoptAsync(state, uid, ct), ct);
            }
        }
        catch (VmLockedException e)
        {
            return new OrphanStop(OrphanStopKind.HeldElsewhere, pid, e.Message);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or QmpException)
        {
            await VmSupervisor.KillAsync(pid!.Value);
            ClearIncoming(uid);
            return new OrphanStop(OrphanStopKind.Killed, pid, e.Message);
        }

        ClearIncoming(uid);
        return new OrphanStop(pid is null ? OrphanStopKind.NothingRan : OrphanStopKind.Stopped, pid);
    }

    public async Task HandOverAsync(Guid uid, IVmProcess? incoming, CancellationToken ct)
    {
        if (incoming is not null)
        {
            await ReleaseAsync(incoming);
        }

        var from = IncomingStatePaths(uid).Directory;
        var to = StatePaths(uid).Directory;
        if (Directory.Exists(to))
        {
            throw new IOException($"cannot hand over {from}: {to} still exists (the source's QEMU must be gone first)");
        }

        Directory.CreateDirectory(VmsDirectory);
        Directory.Move(from, to);
        log.LogInformation("VM uid {Uid}: incoming state dir handed over to {Dir}", uid, to);
    }

    /// <summary>
    /// Two QEMUs of one VM on one node would need two taps per bridge interface, and the tap names are the VM's
    /// (one per uid and interface): a same-node move of a bridged VM is refused, not half done.
    /// </summary>
    private void RefuseSameNodeTaps(Guid uid, IReadOnlyList<VmNic> nics)
    {
        if (HasStateDirectory(uid) && nics.FirstOrDefault(n => n.Backend is NicBackend.Tap) is { } tapped)
        {
            throw new PreflightException($"spec.interfaces \"{tapped.Name}\" uses a bridge: a live migration to the same node would need a second tap for it; move it to another node instead");
        }
    }

    private void ClearIncoming(Guid uid)
    {
        var state = IncomingStatePaths(uid);
        if (Directory.Exists(state.Directory))
        {
            Directory.Delete(state.Directory, recursive: true);
        }
    }
}
