using NumaOperator.Api.Status;
using NumaOperator.Qemu.Migration;

namespace NumaOperator.Agent.Migration;

/// <summary>What this agent holds in STATE/incoming/UID for a migration's VM.</summary>
public enum IncomingHeld
{
    None,

    /// <summary>This agent started it and holds its QMP.</summary>
    Held,

    /// <summary>A dir (with or without a QEMU) this agent holds no handle for: a previous agent left it.</summary>
    Orphan,
}

/// <summary>The target side as observed: the migration's phase, what runs in STATE/incoming/UID, and whether the VM is committed here.</summary>
/// <param name="IncomingStream">query-migrate status of the held incoming QEMU (null when none is held or QMP failed).</param>
/// <param name="Committed">The VM's status.nodeName is this node and its status.placement the migration's targetPlacement.</param>
public sealed record TargetView(string Phase, bool Deleted, IncomingHeld Incoming, bool IncomingAlive, string? IncomingStream, bool Committed);

/// <summary>The source side as observed: the phase, the source QEMU held by this agent, its stream and run state.</summary>
public sealed record SourceView(string Phase, bool Deleted, bool SourceHeld, string? Stream, string? RunState);

/// <summary>The target agent's one next step for a migration whose status.targetNode is this node.</summary>
public enum TargetStep
{
    Nothing,

    /// <summary>Pre-flight, start the incoming QEMU, listen, write TargetReady with the address.</summary>
    StartIncoming,

    /// <summary>The stream runs (or the commit is awaited): look again soon.</summary>
    Watch,

    /// <summary>The stream completed: measure numa_maps while paused; aligned → cont + TargetRunning, else Failed TargetNotAligned.</summary>
    MeasureAndResume,

    /// <summary>The incoming QEMU died or its stream failed: Failed, and whatever is left stopped.</summary>
    FailIncoming,

    /// <summary>A previous agent's incoming QEMU of a move that is not done: Failed TargetFailed ("target agent restarted"), stopped.</summary>
    FailRestarted,

    /// <summary>Failed or deleted: stop the incoming QEMU, remove its dir.</summary>
    StopIncoming,

    /// <summary>Committed: the source's QEMU on this node (if any) stops, STATE/incoming/UID becomes STATE/vms/UID.</summary>
    HandOver,
}

/// <summary>The source agent's one next step for a migration whose status.sourceNode is this node.</summary>
public enum SourceStep
{
    Nothing,

    /// <summary>TargetReady: bandwidth, capabilities, migrate; write Running.</summary>
    Migrate,

    /// <summary>The stream runs: write progress when it changed, look again in a second.</summary>
    ReportProgress,

    /// <summary>QEMU's stream failed: Failed MigrationFailed with its error-desc (the source keeps running).</summary>
    FailStream,

    /// <summary>Failed or deleted while the stream runs: migrate_cancel.</summary>
    Cancel,

    /// <summary>Failed or deleted after a completed send: the source waits in postmigrate, so cont it (rollback).</summary>
    Resume,

    /// <summary>Sent: the target decides; look again until the move ends.</summary>
    Watch,
}

/// <summary>
/// The agent's decisions in a live migration (contract: <see cref="MigrationPhases"/>), one side at a time; on a
/// same-node move this agent is both. Pure: <see cref="MigrationReconciler"/> observes and carries them out.
/// </summary>
public static class MigrationStep
{
    public static TargetStep DecideTarget(TargetView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var moved = view.Phase is MigrationPhases.TargetRunning or MigrationPhases.Succeeded;
        if (view.Incoming == IncomingHeld.None)
        {
            return !view.Deleted && view.Phase == MigrationPhases.Scheduled ? TargetStep.StartIncoming : TargetStep.Nothing;
        }

        if (moved)
        {
            // The guest runs here already (the source stays paused): never stopped, not even for a deletion; handed
            // over once the controller committed the VM to this node.
            return view.Committed ? TargetStep.HandOver : TargetStep.Watch;
        }

        if (view.Deleted || view.Phase == MigrationPhases.Failed)
        {
            return TargetStep.StopIncoming;
        }

        if (view.Incoming == IncomingHeld.Orphan)
        {
            return TargetStep.FailRestarted;
        }

        if (!view.IncomingAlive || view.IncomingStream is MigrationStatuses.Failed or MigrationStatuses.Cancelled)
        {
            return TargetStep.FailIncoming;
        }

        return view.IncomingStream == MigrationStatuses.Completed ? TargetStep.MeasureAndResume : TargetStep.Watch;
    }

    public static SourceStep DecideSource(SourceView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (!view.SourceHeld)
        {
            return SourceStep.Nothing;
        }

        var active = view.Stream is MigrationStatuses.Setup or MigrationStatuses.Active;
        var rolledBack = view.Phase == MigrationPhases.Failed || (view.Deleted && MigrationPhases.CanAdvance(view.Phase, MigrationPhases.TargetRunning));
        if (rolledBack)
        {
            return active ? SourceStep.Cancel
                : view.RunState == VmRunState.PostMigrate ? SourceStep.Resume
                : SourceStep.Nothing;
        }

        if (view.Deleted)
        {
            return SourceStep.Nothing;
        }

        return view.Phase switch
        {
            MigrationPhases.TargetReady when view.Stream is null or MigrationStatuses.None or MigrationStatuses.Cancelled => SourceStep.Migrate,
            MigrationPhases.TargetReady or MigrationPhases.Running when active => SourceStep.ReportProgress,
            MigrationPhases.TargetReady or MigrationPhases.Running when view.Stream == MigrationStatuses.Failed => SourceStep.FailStream,
            MigrationPhases.TargetReady or MigrationPhases.Running or MigrationPhases.TargetRunning => SourceStep.Watch,
            _ => SourceStep.Nothing,
        };
    }
}
