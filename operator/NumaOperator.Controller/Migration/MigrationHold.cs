using NumaOperator.Api.Conversion;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Controller.Migration;

/// <summary>
/// How the scheduler's ledger holds a migration's target placement beside the VM's own (source) placement: under a key
/// no VM key can be ("\0migration/namespace/name"), from Scheduled until the migration ends (<see cref="MigrationPhases.HoldsTarget"/>).
/// </summary>
public static class MigrationHold
{
    private const string Prefix = "\0migration/";

    public static string KeyOf(string migrationKey) => Prefix + migrationKey;

    public static bool IsHold(string ledgerKey) => ledgerKey.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The target placements the migrations hold, oldest first, for a ledger rebuild (unreadable ones are left out).</summary>
    public static IEnumerable<KeyValuePair<string, VmPlacement>> Held(IEnumerable<NumaVirtualMachineMigration> migrations) =>
        migrations
            .Where(m => MigrationPhases.HoldsTarget(m.Status?.Phase) && m.Status!.TargetPlacement is not null && !string.IsNullOrEmpty(m.Status.TargetNode))
            .OrderBy(m => m.Status!.StartTime ?? DateTime.MinValue)
            .ThenBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => TryTarget(m, out var target) ? new KeyValuePair<string, VmPlacement>?(new(KeyOf(m.Key), target)) : null)
            .OfType<KeyValuePair<string, VmPlacement>>();

    public static bool TryTarget(NumaVirtualMachineMigration migration, out VmPlacement target)
    {
        try
        {
            target = PlacementConversion.FromStatus(migration.Status!.TargetNode!, migration.Status.TargetPlacement!);
            return true;
        }
        catch (FormatException)
        {
            target = null!;
            return false;
        }
    }
}
