using Microsoft.Extensions.Logging;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Accounting;
using NumaOperator.Controller.Scheduling;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Controller.Migration;

/// <summary>A move that holds its target: failed when only the controller can see why, committed once the target runs the guest.</summary>
public sealed partial class MigrationReconciler
{
    private async Task<ReconcileResult> FollowAsync(NumaVirtualMachineMigration migration, CancellationToken ct)
    {
        var now = Now();
        var status = migration.Status!;
        var vm = world.Vms.Get(VmKey(migration));
        var refusal = MigrationDecision.JudgeInFlight(migration, vm, time.GetUtcNow().UtcDateTime, Lost(status.TargetNode), Lost(status.SourceNode));
        if (refusal is not null)
        {
            await FailAsync(migration, refusal, now, ct);
            return ReconcileResult.Done;
        }

        if (status.Phase == MigrationPhases.TargetRunning)
        {
            await CommitAsync(migration, vm!, now, ct);
            return ReconcileResult.Done;
        }

        await MirrorOnVmAsync(migration, ct);
        return ReconcileResult.After(NextLook(migration, now));
    }

    /// <summary>Failed with the reason; the hold released once written; the VM's mirror and Event follow.</summary>
    private async Task FailAsync(NumaVirtualMachineMigration migration, MigrationRefusal refusal, DateTime now, CancellationToken ct)
    {
        var desired = ObjectKey.Clone(migration);
        MigrationStatusEdits.Fail(desired, refusal, now);
        var written = await WriteStatusAsync(migration, desired, ct) ?? migration;
        ReleaseHold(migration.Key);
        Ended(refusal.Reason, now - (migration.Status?.StartTime?.ToUniversalTime() ?? now));
        log.LogWarning("migration {Key} failed: {Reason}: {Message}", migration.Key, refusal.Reason, refusal.Message);
        await MirrorOnVmAsync(written, ct);
        if (world.Vms.Get(VmKey(migration)) is { } vm)
        {
            scheduler.Requeue(vm.Key);
        }
    }

    /// <summary>
    /// TargetRunning → Succeeded: one VM status write (nodeName, placement, numastat, status.migration), the node label,
    /// the ledger swapped (the VM holds the target, the source and the hold released), the placeholder pod deleted so
    /// the scheduler creates it on the target, then the migration Succeeded and Event Migrated. Each step is idempotent.
    /// </summary>
    private async Task CommitAsync(NumaVirtualMachineMigration migration, NumaVirtualMachine vm, DateTime now, CancellationToken ct)
    {
        var status = migration.Status!;
        if (!MigrationHold.TryTarget(migration, out var target))
        {
            await FailAsync(migration, new MigrationRefusal(MigrationReasons.InvalidRequest, "status.targetPlacement cannot be read"), now, ct);
            return;
        }

        var moved = MigrationDecision.MovedMessage(status, now);
        var succeeded = ObjectKey.Clone(migration);
        MigrationStatusEdits.Succeed(succeeded, moved, now);
        var desiredVm = ObjectKey.Clone(vm);
        var vmStatus = desiredVm.Status ??= new NumaVirtualMachineStatus();
        vmStatus.NodeName = status.TargetNode;
        vmStatus.Placement = status.TargetPlacement;
        vmStatus.Numastat = status.TargetNumastat ?? vmStatus.Numastat;
        vmStatus.Migration = MigrationStatusEdits.Mirror(succeeded);
        var written = await world.VmWriter.PatchStatusAsync(vm, desiredVm, ct) ?? vm;
        world.Vms.Upsert(written, out _);
        desiredVm = ObjectKey.Clone(written);
        SchedulingStatus.SetNodeLabel(desiredVm, target.NodeName);
        if (await world.VmWriter.PatchMetadataAsync(written, desiredVm, ct) is { } labelled)
        {
            world.Vms.Upsert(labelled, out _);
        }

        scheduler.DecideOnLedger(ledger =>
        {
            ledger.Release(MigrationHold.KeyOf(migration.Key));
            ledger.Release(vm.Key);
            if (!ledger.TryRecord(vm.Key, target, out var conflict))
            {
                log.LogError("migration {Key}: the moved VM's placement cannot be recorded: {Conflict}", migration.Key, conflict);
            }

            return true;
        });
        await MovePlaceholderAsync(vm, target.NodeName, ct);
        await WriteStatusAsync(migration, succeeded, ct);
        Ended(MigrationStatusEdits.ReasonSucceeded, now - (status.StartTime?.ToUniversalTime() ?? now));
        log.LogInformation("migration {Key}: VM {Vm} {Moved}", migration.Key, vm.Key, moved);
        await world.Events.NormalAsync(written, EventMigrated, moved, ct);
        scheduler.Requeue(vm.Key);
    }

    /// <summary>A pod's nodeName is immutable: the placeholder on the source is deleted, and the scheduler creates it on the target.</summary>
    private async Task MovePlaceholderAsync(NumaVirtualMachine vm, string targetNode, CancellationToken ct)
    {
        var ns = vm.Metadata.NamespaceProperty ?? string.Empty;
        var name = PlaceholderPod.NameOf(vm.Metadata.Name);
        if (world.Pods.Get(ns + "/" + name) is { } pod && pod.Spec?.NodeName != targetNode)
        {
            await world.PodWriter.ApplyAsync(new PodAction.Delete(ns, name), ct);
        }
    }

    /// <summary>The node-lost verdict of <paramref name="node"/> (null: alive or unknown); a deleted Node is lost.</summary>
    private string? Lost(string? node)
    {
        if (string.IsNullOrEmpty(node))
        {
            return null;
        }

        if (world.Nodes.Get(node) is null)
        {
            return $"the Node {node} was deleted";
        }

        return NodeLiveness.LostMessage(node, world.Topologies.Get(node), time.GetUtcNow().UtcDateTime, lostAfter);
    }

    /// <summary>When to judge a running move again without an event: its deadline, or the node-liveness check interval if sooner.</summary>
    private TimeSpan NextLook(NumaVirtualMachineMigration migration, DateTime now)
    {
        var check = NodeLiveness.CheckInterval(lostAfter);
        if (MigrationDecision.Deadline(migration) is not { } deadline)
        {
            return check;
        }

        var untilDeadline = deadline - now + TimeSpan.FromSeconds(1);
        return untilDeadline < check ? (untilDeadline > TimeSpan.Zero ? untilDeadline : TimeSpan.FromSeconds(1)) : check;
    }
}
