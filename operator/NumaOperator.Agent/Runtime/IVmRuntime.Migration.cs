using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Migration;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// The node's hands in a live migration. Target: an incoming QEMU for a launch prepared with
/// <see cref="VmLaunchRequest.Incoming"/> runs paused from STATE/incoming/UID and listens; after the stream it is
/// measured (<see cref="SampleAsync"/>), resumed or stopped, and finally handed over to STATE/vms/UID. Source: the held
/// QEMU is migrated, polled, cancelled, and resumed when a completed send was rolled back. A runtime without live
/// migration (the reliability simulation) keeps the defaults: nothing incoming, every QEMU running, a start refused.
/// </summary>
public partial interface IVmRuntime
{
    /// <summary>STATE/incoming/UID (pure: nothing is read).</summary>
    VmStatePaths IncomingStatePaths(Guid uid) => throw NotMigrating();

    /// <summary>The uids of every incoming dir on this node.</summary>
    IReadOnlyList<Guid> IncomingDirectories() => [];

    bool HasIncomingDirectory(Guid uid) => false;

    /// <summary>Disks (same node: the VM's own files; another node: created here), then QEMU -incoming defer, pinned, paused, listening.</summary>
    /// <exception cref="VmStartFailedException">It did not start or listen; nothing is left.</exception>
    Task<IncomingVm> StartIncomingAsync(IPreparedLaunch launch, CancellationToken ct) => throw NotMigrating();

    /// <summary>query-migrate of a held QEMU (source or target).</summary>
    /// <exception cref="Qemu.Qmp.QmpException">QMP failed (QEMU gone).</exception>
    Task<MigrationInfo> QueryMigrationAsync(IVmProcess process, CancellationToken ct) => Task.FromResult(new MigrationInfo(MigrationStatuses.None));

    /// <summary>Capabilities, parameters, then migrate to <paramref name="targetAddress"/> ("host:port").</summary>
    Task StartMigrationAsync(IVmProcess source, string targetAddress, MigrationSettings settings, CancellationToken ct) => throw NotMigrating();

    /// <summary>migrate_cancel: QEMU ends the stream and the source keeps running.</summary>
    Task CancelMigrationAsync(IVmProcess process, CancellationToken ct) => Task.CompletedTask;

    /// <summary>query-status (<see cref="VmRunState"/>).</summary>
    Task<string> RunStateAsync(IVmProcess process, CancellationToken ct) => Task.FromResult(VmRunState.Running);

    /// <summary>cont.</summary>
    Task ResumeAsync(IVmProcess process, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Ends a QEMU whose guest does not run (quit, then SIGKILL) and removes the dir it runs from.</summary>
    Task StopPausedAsync(IVmProcess process, CancellationToken ct) => StopAsync(process, ct);

    /// <summary>Stops whatever runs from STATE/incoming/UID with no handle (agent restart) and removes the dir.</summary>
    Task<OrphanStop> StopIncomingOrphanAsync(Guid uid, CancellationToken ct) => Task.FromResult(new OrphanStop(OrphanStopKind.NothingRan, null));

    /// <summary>
    /// Lets go of <paramref name="incoming"/> (when held) and renames STATE/incoming/UID to STATE/vms/UID, where the
    /// normal adoption takes the QEMU over.
    /// </summary>
    /// <exception cref="IOException">STATE/vms/UID still exists, or the rename failed.</exception>
    Task HandOverAsync(Guid uid, IVmProcess? incoming, CancellationToken ct) => throw NotMigrating();

    /// <summary>What a runtime without live migration (a simulation) answers to a migration step it cannot take.</summary>
    private static NotSupportedException NotMigrating() => new("this VM runtime does not do live migration");
}

/// <summary>An incoming QEMU and the TCP port it listens on.</summary>
public sealed record IncomingVm(IVmProcess Process, int Port);
