using NumaOperator.Api.Conversion;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Cli.Explaining;

/// <summary>
/// The ledger as the controller rebuilds it when a term starts: every VM's recorded status.placement, oldest VM
/// first (then by key), unreadable placements left out as the controller leaves them out. Pure.
/// </summary>
public static class RecordedLedger
{
    /// <param name="exceptKey">A VM left out (the one explain asks the engine about), or null.</param>
    public static PlacementLedger Rebuild(ClusterSnapshot snapshot, IEnumerable<NumaVirtualMachine> vms, string? exceptKey = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(vms);
        var recorded = vms
            .Where(vm => vm.Key != exceptKey && vm.Status?.Placement is not null && !string.IsNullOrEmpty(vm.Status.NodeName))
            .OrderBy(vm => vm.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(vm => vm.Key, StringComparer.Ordinal)
            .Select(TryRead)
            .OfType<KeyValuePair<string, VmPlacement>>();
        return PlacementLedger.Rebuild(snapshot, recorded, out _);
    }

    private static KeyValuePair<string, VmPlacement>? TryRead(NumaVirtualMachine vm)
    {
        try
        {
            return new(vm.Key, PlacementConversion.FromStatus(vm.Status!.NodeName!, vm.Status.Placement!));
        }
        catch (FormatException)
        {
            return null; // the controller skips an unreadable placement too (and logs it)
        }
    }
}
