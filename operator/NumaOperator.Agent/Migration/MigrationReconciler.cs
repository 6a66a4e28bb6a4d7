using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Qemu.Migration;
using NumaOperator.Qemu.Qmp;

namespace NumaOperator.Agent.Migration;

/// <summary>
/// This node's part in live migrations (informer on NumaVirtualMachineMigration, one key at a time): as the TARGET
/// (status.targetNode) it starts the paused incoming QEMU, watches the stream, measures and resumes, and hands the
/// QEMU over to STATE/vms/UID once the controller committed the VM here; as the SOURCE (status.sourceNode, and the
/// VM's QEMU held here) it migrates, reports progress about once a second, and rolls back (cancel, cont) when the move
/// fails or is deleted. Decisions: <see cref="MigrationStep"/>; writes: <see cref="MigrationStatusWriter"/>.
/// </summary>
public sealed partial class MigrationReconciler : IReconciler, IAsyncDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    private readonly ObjectCache<NumaVirtualMachineMigration> cache;
    private readonly IMigrationStore store;
    private readonly AgentOptions options;
    private readonly IVmRuntime runtime;
    private readonly IMigratingVms vms;
    private readonly Func<HostTopology?> topology;
    private readonly Func<(QemuCapabilities? Qemu, string? Problem)> qemu;
    private readonly ISecretReader? secrets;
    private readonly ILogger log;
    private readonly MigrationStatusWriter status;

    /// <summary>The incoming QEMUs this agent started, by VM uid.</summary>
    private readonly ConcurrentDictionary<Guid, IncomingVm> incoming = new();

    /// <summary>The VM uid of every migration key seen, so a deleted object's part can still be cleaned up.</summary>
    private readonly ConcurrentDictionary<string, Guid> uids = new();

    public MigrationReconciler(
        ObjectCache<NumaVirtualMachineMigration> cache,
        IMigrationStore store,
        AgentOptions options,
        IVmRuntime runtime,
        IMigratingVms vms,
        Func<HostTopology?> topology,
        Func<(QemuCapabilities? Qemu, string? Problem)> qemu,
        ILogger log,
        ISecretReader? secrets = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.cache = cache;
        this.store = store;
        this.options = options;
        this.runtime = runtime;
        this.vms = vms;
        this.topology = topology;
        this.qemu = qemu;
        this.log = log;
        this.secrets = secrets;
        status = new MigrationStatusWriter(store, cache, options.Clock);
    }

    /// <summary>Whether an incoming QEMU of <paramref name="uid"/> is held or its dir exists: the VM reconciler must not start or clear it meanwhile.</summary>
    public bool Receives(Guid uid) => incoming.ContainsKey(uid) || runtime.HasIncomingDirectory(uid);

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var migration = cache.Get(key);
        if (migration is null)
        {
            return await ForgetAsync(key, ct);
        }

        if (!Guid.TryParse(migration.Status?.VmUid, out var uid))
        {
            return ReconcileResult.Done; // not scheduled yet
        }

        uids[key] = uid;
        var target = migration.Status!.TargetNode == options.NodeName ? await TargetAsync(migration, uid, ct) : ReconcileResult.Done;
        var source = migration.Status.SourceNode == options.NodeName ? await SourceAsync(cache.Get(key) ?? migration, uid, deleted: false, ct) : ReconcileResult.Done;
        return Sooner(target, source);
    }

    /// <summary>
    /// After the informer synced: incoming dirs no migration explains (deleted while the agent was away) are stopped;
    /// the others are decided by their migration (restarted mid-move: Failed; committed: handed over).
    /// </summary>
    public async Task CleanOrphansAsync(CancellationToken ct)
    {
        var explained = cache.List().Where(m => m.Status?.TargetNode == options.NodeName && Guid.TryParse(m.Status.VmUid, out _))
            .Select(m => Guid.Parse(m.Status!.VmUid!)).ToHashSet();
        foreach (var uid in runtime.IncomingDirectories().Where(u => !explained.Contains(u) && !incoming.ContainsKey(u)))
        {
            var stop = await runtime.StopIncomingOrphanAsync(uid, ct);
            log.LogWarning("incoming QEMU dir of VM uid {Uid} has no migration: {Kind} (pid {Pid})", uid, stop.Kind, stop.Pid);
        }
    }

    /// <summary>Lets go of every incoming QEMU without stopping it (the next agent decides from the migration).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (uid, held) in incoming.ToArray())
        {
            incoming.TryRemove(uid, out _);
            await runtime.ReleaseAsync(held.Process);
        }
    }

    /// <summary>The object is gone: a deleted move that had not finished is rolled back on each side this node plays.</summary>
    private async Task<ReconcileResult> ForgetAsync(string key, CancellationToken ct)
    {
        if (!uids.TryRemove(key, out var uid))
        {
            return ReconcileResult.Done;
        }

        if (incoming.TryRemove(uid, out var held))
        {
            log.LogWarning("migration {Key} deleted: stopping incoming QEMU pid {Pid}", key, held.Process.Pid);
            await runtime.StopPausedAsync(held.Process, ct);
        }

        var gone = new NumaVirtualMachineMigration { Status = new NumaVirtualMachineMigrationStatus { Phase = MigrationPhases.Running } };
        return await SourceAsync(gone, uid, deleted: true, ct);
    }

    private async Task<ReconcileResult> SourceAsync(NumaVirtualMachineMigration migration, Guid uid, bool deleted, CancellationToken ct)
    {
        var process = vms.SourceProcess(uid);
        MigrationInfo? stream = null;
        string? runState = null;
        if (process is not null && runtime.IsAlive(process))
        {
            try
            {
                stream = await runtime.QueryMigrationAsync(process, ct);
                runState = await runtime.RunStateAsync(process, ct);
            }
            catch (QmpException e)
            {
                log.LogWarning("migration {Key}: source QEMU pid {Pid} did not answer: {Message}", migration.Key, process.Pid, e.Message);
            }
        }

        var phase = MigrationPhases.Of(migration.Status?.Phase);
        var step = MigrationStep.DecideSource(new SourceView(phase, deleted || migration.Metadata.DeletionTimestamp is not null, process is not null && runState is not null, stream?.Status, runState));
        switch (step)
        {
            case SourceStep.Migrate:
                return await MigrateAsync(migration, process!, ct);
            case SourceStep.ReportProgress:
                await status.AdvanceAsync(migration, MigrationPhases.Running, s => s.Progress = Progress(stream!, s), ct);
                return ReconcileResult.After(Poll);
            case SourceStep.FailStream:
                log.LogWarning("migration {Key}: QEMU's stream failed: {Error}", migration.Key, stream!.ErrorDescription);
                await status.FailAsync(migration, MigrationReasons.MigrationFailed, $"QEMU's migration stream failed: {stream.ErrorDescription ?? "no error text"}; the VM keeps running on {options.NodeName}", ct);
                return ReconcileResult.Done;
            case SourceStep.Cancel:
                log.LogWarning("migration {Key} failed or was deleted while sending: migrate_cancel on pid {Pid}", migration.Key, process!.Pid);
                await runtime.CancelMigrationAsync(process, ct);
                return ReconcileResult.After(Poll);
            case SourceStep.Resume:
                log.LogWarning("migration {Key} failed after the send completed: resuming the source QEMU pid {Pid}", migration.Key, process!.Pid);
                await runtime.ResumeAsync(process, ct);
                return ReconcileResult.Done;
            case SourceStep.Watch:
                if (stream?.Status == MigrationStatuses.Completed)
                {
                    // The final figures (downtime measured), while the phase is still Running.
                    await status.AdvanceAsync(migration, MigrationPhases.Running, s => s.Progress = Progress(stream, s), ct);
                }

                return ReconcileResult.After(Poll);
            default:
                return ReconcileResult.Done;
        }
    }

    private async Task<ReconcileResult> MigrateAsync(NumaVirtualMachineMigration migration, IVmProcess process, CancellationToken ct)
    {
        var s = migration.Status!;
        var blockMigrate = s.TargetNode != s.SourceNode;
        long? bandwidth = ByteQuantity.TryParse(migration.Spec.Bandwidth, out var bytes) ? bytes : null;
        if (string.IsNullOrEmpty(s.TargetAddress))
        {
            return ReconcileResult.After(Poll);
        }

        try
        {
            await runtime.StartMigrationAsync(process, s.TargetAddress, new MigrationSettings(bandwidth, blockMigrate), ct);
        }
        catch (QmpException e)
        {
            await status.FailAsync(migration, MigrationReasons.MigrationFailed, $"QMP migrate to {s.TargetAddress} failed: {e.Message}; the VM keeps running on {options.NodeName}", ct);
            return ReconcileResult.Done;
        }

        log.LogInformation("migration {Key}: QEMU pid {Pid} sends to {Address} ({Disks})", migration.Key, process.Pid, s.TargetAddress, blockMigrate ? "disks block-migrated" : "disks shared");
        await status.AdvanceAsync(migration, MigrationPhases.Running, st =>
        {
            st.Message = $"QEMU pid {process.Pid} on {options.NodeName} sends to {s.TargetAddress}";
            st.Progress = new MigrationProgress { Disks = blockMigrate ? MigrationDiskModes.BlockMigrated : MigrationDiskModes.Shared };
        }, ct);
        return ReconcileResult.After(Poll);
    }

    /// <summary>status.progress from query-migrate, keeping the disk mode written at the start.</summary>
    private static MigrationProgress Progress(MigrationInfo info, NumaVirtualMachineMigrationStatus current) => new()
    {
        DataTotal = info.DataTotal,
        DataProcessed = info.DataProcessed,
        DataRemaining = info.DataRemaining,
        Iterations = info.DirtySyncCount,
        ElapsedMilliseconds = info.TotalTimeMilliseconds,
        DowntimeMilliseconds = info.DowntimeMilliseconds ?? info.ExpectedDowntimeMilliseconds,
        Disks = current.Progress?.Disks,
    };

    private static ReconcileResult Sooner(ReconcileResult a, ReconcileResult b) =>
        a.RequeueAfter is null ? b : b.RequeueAfter is null ? a : ReconcileResult.After(a.RequeueAfter.Value < b.RequeueAfter.Value ? a.RequeueAfter.Value : b.RequeueAfter.Value);
}
