using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.Controller.Accounting;
using NumaOperator.Controller.Scheduling;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Controller.Migration;

/// <summary>The caches and writers the migration reconciler works with (the scheduling term's).</summary>
public sealed record MigrationWorld(
    ObjectCache<NumaVirtualMachineMigration> Migrations,
    ObjectCache<NumaVirtualMachine> Vms,
    ObjectCache<NumaNodeTopology> Topologies,
    ObjectCache<V1Node> Nodes,
    ObjectCache<V1Pod> Pods,
    CustomResourceWriter<NumaVirtualMachineMigration> MigrationWriter,
    CustomResourceWriter<NumaVirtualMachine> VmWriter,
    PlaceholderPodWriter PodWriter,
    EventRecorder Events);

/// <summary>
/// The controller's side of live migration (docs/architecture.md, "Live migration"): Pending → Scheduled (the target
/// chosen by <see cref="MigrationDecision.ChooseTarget"/> on the scheduler's ledger and held there beside the source),
/// TargetRunning → Succeeded (the VM's status, node label and placeholder pod moved, the source released), and Failed
/// for what only the controller sees: timeouts, a lost node, a deleted VM. The agents write the phases between.
/// Level-triggered: every reconcile judges the migration afresh from the caches; each status write carries the
/// resourceVersion it was computed from, so a concurrent agent write makes it fail and retry on the fresh object.
/// </summary>
public sealed partial class MigrationReconciler(
    MigrationWorld world,
    SchedulingReconciler scheduler,
    TimeProvider? clock = null,
    ILogger? logger = null,
    TimeSpan? nodeLostAfter = null,
    PackingPolicy packing = PackingPolicies.Default) : IReconciler
{
    public const string EventMigrating = "Migrating";
    public const string EventMigrated = "Migrated";
    public const string EventMigrationFailed = "MigrationFailed";

    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly ILogger log = logger ?? NullLogger.Instance;
    private readonly TimeSpan lostAfter = nodeLostAfter ?? SchedulingControllerOptions.DefaultNodeLostAfter;

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var migration = world.Migrations.Get(key);
        if (migration is null)
        {
            // Deleted: a migration that is gone holds nothing; the agents roll back on their own.
            ReleaseHold(key);
            return ReconcileResult.Done;
        }

        var phase = MigrationPhases.Of(migration.Status?.Phase);
        if (MigrationPhases.IsTerminal(phase))
        {
            ReleaseHold(key);
            await MirrorOnVmAsync(migration, ct);
            return ReconcileResult.Done;
        }

        if (phase == MigrationPhases.Pending)
        {
            return await ScheduleAsync(migration, ct);
        }

        return await FollowAsync(migration, ct);
    }

    /// <summary>Keys of the migrations of the VM <paramref name="vmKey"/> (namespace/name) that have not ended.</summary>
    public IEnumerable<string> ActiveMigrationsOf(string vmKey)
    {
        var (ns, name) = ObjectKeys.Split(vmKey);
        return world.Migrations.List()
            .Where(m => m.Metadata.NamespaceProperty == ns && m.Spec.VmName == name && !MigrationPhases.IsTerminal(m.Status?.Phase))
            .Select(m => m.Key);
    }

    private async Task<ReconcileResult> ScheduleAsync(NumaVirtualMachineMigration migration, CancellationToken ct)
    {
        var now = Now();
        var desired = ObjectKey.Clone(migration);
        var vm = world.Vms.Get(VmKey(migration));
        var chosen = scheduler.DecideOnLedger(ledger => Schedule(ledger, migration, vm, desired, now));
        var written = await WriteStatusAsync(migration, desired, ct);
        if (written is null)
        {
            return ReconcileResult.Done;
        }

        var status = written.Status!;
        if (chosen)
        {
            log.LogInformation(
                "migration {Key}: VM {Vm} scheduled from {Source} host NUMA {SourceNodes} to {Target} host NUMA {TargetNodes}",
                migration.Key, migration.Spec.VmName, status.SourceNode, HostNodesOf(status.SourcePlacement), status.TargetNode, HostNodesOf(status.TargetPlacement));
            // The Event before the mirror: a 409 there fails this reconcile, and the retry, past Pending, records none.
            await world.Events.NormalAsync(vm!, EventMigrating, $"NumaVirtualMachineMigration {migration.Metadata.Name}: {status.Message}", ct);
            await MirrorOnVmAsync(written, ct);
            scheduler.Requeue(vm!.Key);
            return ReconcileResult.After(NextLook(written, now));
        }

        Ended(status.Reason ?? MigrationReasons.InvalidRequest, null);
        log.LogWarning("migration {Key} refused: {Reason}: {Message}", migration.Key, status.Reason, status.Message);
        await MirrorOnVmAsync(written, ct);
        return ReconcileResult.Done;
    }

    /// <summary>Within the ledger lock: Scheduled (the target held) or Failed in <paramref name="desired"/>; true when scheduled.</summary>
    private bool Schedule(PlacementLedger ledger, NumaVirtualMachineMigration migration, NumaVirtualMachine? vm, NumaVirtualMachineMigration desired, DateTime now)
    {
        var hold = MigrationHold.KeyOf(migration.Key);
        var validation = NumaVirtualMachineMigrationValidator.Validate(migration);
        var targetNodeExists = migration.Spec.TargetNode is not { } targetNode || world.Nodes.Get(targetNode) is not null;
        var refusal = MigrationDecision.Admit(migration, validation, vm, vm is null ? null : Competing(ledger, migration, vm), targetNodeExists);
        VmRequest? request = null;
        VmPlacement? source = null;
        if (refusal is null)
        {
            var vmValidation = NumaVirtualMachineValidator.Validate(vm!);
            request = vmValidation.Request;
            refusal = request is null
                ? new MigrationRefusal(MigrationReasons.InvalidRequest, $"spec.vmName: the NumaVirtualMachine's own spec is invalid: {vmValidation.Summary}")
                : ReadSource(vm!, out source);
        }

        if (refusal is not null)
        {
            ledger.Release(hold);
            MigrationStatusEdits.Fail(desired, refusal, now);
            return false;
        }

        // A target decided earlier whose write failed is written again.
        var target = ledger.PlacementOf(hold);
        if (target is null)
        {
            switch (MigrationDecision.ChooseTarget(ledger, request!, source!, validation.Request!, packing))
            {
                case PlacementDecision.Placed placed when ledger.TryPlace(hold, placed.Placement, out var conflict) || Refused(desired, conflict, now):
                    target = placed.Placement;
                    break;
                case PlacementDecision.NotSchedulable notSchedulable:
                    MigrationStatusEdits.Fail(desired, new MigrationRefusal(MigrationReasons.Unschedulable, notSchedulable.Summary + "; the VM keeps running where it is"), now);
                    return false;
                default:
                    return false;
            }
        }

        MigrationStatusEdits.Schedule(desired, vm!, source!, target, now);
        return true;
    }

    private static bool Refused(NumaVirtualMachineMigration desired, string conflict, DateTime now)
    {
        MigrationStatusEdits.Fail(desired, new MigrationRefusal(MigrationReasons.Unschedulable, "the target cannot be held without double-booking: " + conflict), now);
        return false;
    }

    /// <summary>Another migration of the same VM that has not ended and goes first: it holds a target, has moved past Pending, or is older.</summary>
    private string? Competing(PlacementLedger ledger, NumaVirtualMachineMigration migration, NumaVirtualMachine vm)
    {
        var created = migration.Metadata.CreationTimestamp ?? DateTime.MinValue;
        return world.Migrations.List()
            .Where(m => m.Key != migration.Key && m.Metadata.NamespaceProperty == migration.Metadata.NamespaceProperty && !MigrationPhases.IsTerminal(m.Status?.Phase))
            .Where(m => m.Spec.VmName == vm.Metadata.Name || m.Status?.VmUid == vm.Metadata.Uid)
            .Where(m => ledger.Contains(MigrationHold.KeyOf(m.Key))
                || MigrationPhases.Of(m.Status?.Phase) != MigrationPhases.Pending
                || (m.Metadata.CreationTimestamp ?? DateTime.MinValue, m.Metadata.Name).CompareTo((created, migration.Metadata.Name)) < 0)
            .Select(m => m.Metadata.Name)
            .FirstOrDefault();
    }

    private static MigrationRefusal? ReadSource(NumaVirtualMachine vm, out VmPlacement? source)
    {
        try
        {
            source = PlacementConversion.FromStatus(vm.Status!.NodeName!, vm.Status.Placement!);
            return null;
        }
        catch (FormatException e)
        {
            source = null;
            return new MigrationRefusal(MigrationReasons.InvalidRequest, $"the VM's status.placement cannot be read: {e.Message}");
        }
    }

    private void ReleaseHold(string migrationKey) => scheduler.DecideOnLedger(ledger => ledger.Release(MigrationHold.KeyOf(migrationKey)));

    /// <summary>Writes the migration's status and keeps the cache current; null when nothing changed.</summary>
    private async Task<NumaVirtualMachineMigration?> WriteStatusAsync(NumaVirtualMachineMigration current, NumaVirtualMachineMigration desired, CancellationToken ct)
    {
        var written = await world.MigrationWriter.PatchStatusAsync(current, desired, ct);
        if (written is not null)
        {
            world.Migrations.Upsert(written, out _);
        }

        return written;
    }

    /// <summary>The VM's status.migration follows the migration it names (or the newest one); an Event when a move ends Failed.</summary>
    private async Task MirrorOnVmAsync(NumaVirtualMachineMigration migration, CancellationToken ct)
    {
        var vm = world.Vms.Get(VmKey(migration));
        if (vm?.Status is null || (migration.Status?.VmUid is { } uid && uid != vm.Metadata.Uid))
        {
            return;
        }

        var mirror = MigrationStatusEdits.Mirror(migration);
        var current = vm.Status.Migration;
        // Another move of this VM that has not ended keeps the mirror (a second migration refused as AlreadyMigrating does not take it).
        var other = current?.Name is { } name && name != migration.Metadata.Name;
        var newer = !other || (MigrationPhases.IsTerminal(current!.Phase) && (current.StartTime ?? DateTime.MinValue) <= (mirror.StartTime ?? Now()));
        if (!newer || MigrationStatusEdits.SameMirror(current, mirror))
        {
            return;
        }

        var desired = ObjectKey.Clone(vm);
        desired.Status!.Migration = mirror;
        var written = await world.VmWriter.PatchStatusAsync(vm, desired, ct);
        if (written is not null)
        {
            world.Vms.Upsert(written, out _);
            if (mirror.Failed == true && current?.Failed != true)
            {
                await world.Events.WarningAsync(vm, EventMigrationFailed, $"NumaVirtualMachineMigration {migration.Metadata.Name} failed ({migration.Status?.Reason}): {migration.Status?.Message}", ct);
            }
        }
    }

    private static string VmKey(NumaVirtualMachineMigration migration) =>
        ObjectKeys.Of(migration.Metadata.NamespaceProperty, migration.Spec.VmName, clusterScoped: false);

    private static string HostNodesOf(PlacementStatus? placement) =>
        placement is null ? "?" : string.Join(",", placement.GuestNodes.Select(g => g.HostNode));

    /// <summary>Counts an ended migration by outcome; its duration when it had started.</summary>
    private static void Ended(string outcome, TimeSpan? duration)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        ControllerTelemetry.Migrations.Add(1, tag);
        if (duration is { } d)
        {
            ControllerTelemetry.MigrationDuration.Record(d.TotalSeconds, tag);
        }
    }

    /// <summary>Whole seconds: metav1.Time carries no fraction.</summary>
    private DateTime Now() => MetaTime.Now(time);
}
