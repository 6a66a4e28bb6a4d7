namespace NumaOperator.Api.Status;

/// <summary>
/// The phases of a NumaVirtualMachineMigration and who moves it to each (one source of truth for the controller, the
/// agents and the CLI). Phases only move forward (<see cref="CanAdvance"/>), so concurrent writers cannot undo each other:
/// <list type="bullet">
/// <item>Pending → Scheduled: controller (target placement chosen and held; or Failed Unschedulable/InvalidRequest/...).</item>
/// <item>Scheduled → TargetReady: target node's agent (QEMU started with -incoming, pinned, listening at status.targetAddress).</item>
/// <item>TargetReady → Running: source node's agent (QMP migrate issued; status.progress updated).</item>
/// <item>Running → TargetRunning: target node's agent (incoming completed, numa_maps measured aligned while paused, guest resumed).</item>
/// <item>TargetRunning → Succeeded: controller (the VM's status.nodeName/placement/label moved to the target; the source released).</item>
/// <item>any non-terminal → Failed: whoever saw the failure; the source agent resumes the source if it was left paused,
/// the target agent stops its QEMU, the controller releases the target placement.</item>
/// </list>
/// </summary>
public static class MigrationPhases
{
    public const string Pending = "Pending";
    public const string Scheduled = "Scheduled";
    public const string TargetReady = "TargetReady";
    public const string Running = "Running";
    public const string TargetRunning = "TargetRunning";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";

    public static IReadOnlyList<string> All { get; } = [Pending, Scheduled, TargetReady, Running, TargetRunning, Succeeded, Failed];

    /// <summary>The phase of a migration's status; absent means Pending.</summary>
    public static string Of(string? phase) => string.IsNullOrEmpty(phase) ? Pending : phase;

    public static bool IsTerminal(string? phase) => phase is Succeeded or Failed;

    /// <summary>status.message within its schema bound (4096), marked "..." where it was cut; the controller and the agents write it alike.</summary>
    public static string BoundedMessage(string message) => message.Length <= 4096 ? message : message[..4093] + "...";

    /// <summary>Whether the target placement is held in the ledger (Scheduled up to, not including, a terminal phase).</summary>
    public static bool HoldsTarget(string? phase) => phase is Scheduled or TargetReady or Running or TargetRunning;

    /// <summary>Phases move forward only; Failed is reachable from every non-terminal phase; nothing leaves a terminal one.</summary>
    public static bool CanAdvance(string? from, string to)
    {
        var f = Of(from);
        if (IsTerminal(f))
        {
            return false;
        }

        if (to == Failed)
        {
            return true;
        }

        var fi = IndexOf(f);
        var ti = IndexOf(to);
        return fi >= 0 && ti > fi && to != Failed;
    }

    private static int IndexOf(string phase)
    {
        for (var i = 0; i < All.Count; i++)
        {
            if (All[i] == phase)
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>Why a migration failed (status.reason).</summary>
public static class MigrationReasons
{
    /// <summary>The spec is unusable (no such VM, bad targetNumaNodes, unknown target node...).</summary>
    public const string InvalidRequest = "InvalidRequest";

    /// <summary>The VM is not Running (nothing to move live).</summary>
    public const string VmNotRunning = "VmNotRunning";

    /// <summary>Another migration of the same VM has not ended.</summary>
    public const string AlreadyMigrating = "AlreadyMigrating";

    /// <summary>No target placement fits (pages, CPUs, constraints); the VM was not touched.</summary>
    public const string Unschedulable = "Unschedulable";

    /// <summary>The target's agent could not start the incoming QEMU (pre-flight, start), or the target node went away.</summary>
    public const string TargetFailed = "TargetFailed";

    /// <summary>QEMU's migration failed (stream broken, target died); the source kept running.</summary>
    public const string MigrationFailed = "MigrationFailed";

    /// <summary>The target's guest RAM was not where its placement says; the target was stopped and the source resumed.</summary>
    public const string TargetNotAligned = "TargetNotAligned";

    /// <summary>spec.completionTimeoutSeconds passed; cancelled and rolled back.</summary>
    public const string TimedOut = "TimedOut";

    /// <summary>The source QEMU or its agent went away during the move.</summary>
    public const string SourceLost = "SourceLost";

    /// <summary>The migration was deleted before it completed.</summary>
    public const string Cancelled = "Cancelled";
}

/// <summary>How the per-VM disks follow a migration (status.progress.disks).</summary>
public static class MigrationDiskModes
{
    public const string Shared = "Shared";
    public const string BlockMigrated = "BlockMigrated";
}
