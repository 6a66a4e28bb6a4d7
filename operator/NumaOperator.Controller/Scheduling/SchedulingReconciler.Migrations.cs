using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Migration;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Controller.Scheduling;

/// <summary>
/// What live migration shares with scheduling: the one ledger (a migration's target is held there beside the VM's
/// source placement, <see cref="MigrationHold"/>), the one decision lock, and the rule that a VM whose migration holds
/// a target is left alone (no re-placement, no restart for a changed spec, no release on deletion) until it ends.
/// </summary>
public sealed partial class SchedulingReconciler
{
    private ObjectCache<NumaVirtualMachineMigration>? migrations;

    /// <summary>The migrations cache whose targets the ledger holds; set before <see cref="Initialize"/>.</summary>
    public void TrackMigrations(ObjectCache<NumaVirtualMachineMigration> cache) => migrations = cache;

    /// <summary>
    /// Runs <paramref name="decide"/> on the current ledger between two scheduling decisions (a new snapshot first when
    /// capacity changed). What it places stays; whatever it releases, waiting VMs are tried again.
    /// </summary>
    public T DecideOnLedger<T>(Func<PlacementLedger, T> decide)
    {
        ArgumentNullException.ThrowIfNull(decide);
        decisions.Wait();
        try
        {
            RefreshSnapshot();
            var before = ledger.Count;
            var result = decide(ledger);
            if (ledger.Count < before)
            {
                RetryUnschedulable();
            }

            return result;
        }
        finally
        {
            decisions.Release();
        }
    }

    /// <summary>Queues a VM for the scheduling loop (its migration moved it, or ended).</summary>
    public void Requeue(string vmKey) => queue.Add(vmKey);

    /// <summary>Whether a migration of <paramref name="vm"/> holds a target (Scheduled to TargetRunning).</summary>
    public bool IsMigrating(NumaVirtualMachine vm) =>
        migrations is not null && migrations.List().Any(m =>
            MigrationPhases.HoldsTarget(m.Status?.Phase) && m.Status!.VmUid == vm.Metadata.Uid && m.Metadata.NamespaceProperty == vm.Metadata.NamespaceProperty);

    private IEnumerable<KeyValuePair<string, VmPlacement>> HeldTargets() => migrations is null ? [] : MigrationHold.Held(migrations.List());

    private void RefreshSnapshot()
    {
        if (capacityChanged)
        {
            capacityChanged = false;
            ledger = PlacementLedger.Rebuild(Snapshot(), [.. ledger.Placements], out var conflicts, pagesMayExceedCapacity: true);
            Conflicts = conflicts;
        }
    }

    /// <summary>A migrating VM keeps its recorded placement as it is: the migration controller moves it, or nothing does.</summary>
    private WritePlan KeepWhileMigrating(NumaVirtualMachine vm, NumaVirtualMachine desired, VmPlacement recorded)
    {
        if (!ledger.Contains(vm.Key))
        {
            ledger.TryRecord(vm.Key, recorded, out _);
        }

        SchedulingStatus.SetNodeLabel(desired, desired.Status!.NodeName!);
        return new WritePlan(vm, desired, null);
    }
}
