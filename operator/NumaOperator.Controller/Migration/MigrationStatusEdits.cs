using NumaOperator.Api.Conversion;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Controller.Migration;

/// <summary>
/// The controller's edits of a desired NumaVirtualMachineMigration status and of the VM's status.migration mirror. Pure.
/// Conditions: Ready Unknown (reason = the phase) while the move runs, so kstatus reads InProgress; True when Succeeded;
/// False with the failure reason, plus Stalled, when Failed.
/// </summary>
public static class MigrationStatusEdits
{
    public const string ReasonSucceeded = "Succeeded";

    public static void Schedule(NumaVirtualMachineMigration desired, NumaVirtualMachine vm, VmPlacement source, VmPlacement target, DateTime now)
    {
        var status = desired.Status ??= new NumaVirtualMachineMigrationStatus();
        status.Phase = MigrationPhases.Scheduled;
        status.VmUid = vm.Metadata.Uid;
        status.SourceNode = source.NodeName;
        status.SourcePlacement = PlacementConversion.ToStatus(source);
        status.TargetNode = target.NodeName;
        status.TargetPlacement = PlacementConversion.ToStatus(target);
        status.StartTime = now;
        status.Reason = null;
        status.Message = $"target chosen: node {target.NodeName} host NUMA node(s) {target.HostNodes}"
            + (target.PinnedCpus.Count > 0 ? $" CPUs {target.PinnedCpus}" : string.Empty)
            + $"; the VM runs on node {source.NodeName} host NUMA node(s) {source.HostNodes} until the move completes";
        InProgress(desired, now);
    }

    /// <summary>Ready=Unknown for the current phase (kstatus: InProgress); observedGeneration follows.</summary>
    public static void InProgress(NumaVirtualMachineMigration desired, DateTime now)
    {
        var status = desired.Status ??= new NumaVirtualMachineMigrationStatus();
        var phase = MigrationPhases.Of(status.Phase);
        status.Conditions = ConditionList.Set(status.Conditions, VmConditions.Ready, VmConditions.Unknown, phase, $"the move is in phase {phase}", desired.Metadata.Generation, now);
        ConditionList.Remove(status.Conditions, VmConditions.Stalled);
        status.ObservedGeneration = desired.Metadata.Generation;
    }

    public static void Fail(NumaVirtualMachineMigration desired, MigrationRefusal refusal, DateTime now)
    {
        var status = desired.Status ??= new NumaVirtualMachineMigrationStatus();
        status.Phase = MigrationPhases.Failed;
        status.Reason = refusal.Reason;
        status.Message = MigrationPhases.BoundedMessage(refusal.Message);
        status.CompletionTime = now;
        var generation = desired.Metadata.Generation;
        status.Conditions = ConditionList.Set(status.Conditions, VmConditions.Ready, false, refusal.Reason, status.Message, generation, now);
        status.Conditions = ConditionList.Set(status.Conditions, VmConditions.Stalled, true, refusal.Reason, status.Message, generation, now);
        status.ObservedGeneration = generation;
    }

    public static void Succeed(NumaVirtualMachineMigration desired, string message, DateTime now)
    {
        var status = desired.Status ??= new NumaVirtualMachineMigrationStatus();
        status.Phase = MigrationPhases.Succeeded;
        status.Reason = null;
        status.Message = MigrationPhases.BoundedMessage(message);
        status.CompletionTime = now;
        status.Conditions = ConditionList.Set(status.Conditions, VmConditions.Ready, true, ReasonSucceeded, status.Message, desired.Metadata.Generation, now);
        ConditionList.Remove(status.Conditions, VmConditions.Stalled);
        status.ObservedGeneration = desired.Metadata.Generation;
    }

    /// <summary>The VM's status.migration for <paramref name="migration"/> as it stands.</summary>
    public static VmMigrationState Mirror(NumaVirtualMachineMigration migration)
    {
        var status = migration.Status ?? new NumaVirtualMachineMigrationStatus();
        var phase = MigrationPhases.Of(status.Phase);
        return new VmMigrationState
        {
            Name = migration.Metadata.Name,
            Phase = phase,
            SourceNode = status.SourceNode,
            TargetNode = status.TargetNode,
            StartTime = status.StartTime,
            EndTime = MigrationPhases.IsTerminal(phase) ? status.CompletionTime : null,
            Failed = phase == MigrationPhases.Failed ? true : null,
            Message = status.Message is { } m ? MigrationPhases.BoundedMessage(m) : null,
        };
    }

    /// <summary>Whether the VM's mirror already says what <paramref name="wanted"/> says.</summary>
    public static bool SameMirror(VmMigrationState? current, VmMigrationState wanted) =>
        current is not null && current.Name == wanted.Name && current.Phase == wanted.Phase && current.TargetNode == wanted.TargetNode
            && current.Failed == wanted.Failed && current.Message == wanted.Message && current.EndTime == wanted.EndTime;

}
