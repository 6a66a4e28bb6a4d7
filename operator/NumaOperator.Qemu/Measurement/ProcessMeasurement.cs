using NumaOperator.Numa.Placement;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Qmp;

namespace NumaOperator.Qemu.Measurement;

/// <summary>
/// Measures a running QEMU: reads /proc/PID/numa_maps and /proc/PID/maps and finds each guest node's RAM by the
/// placement's layout (hugepage backends by their file under the hugetlbfs mount of the placement's page size,
/// ordinary-page backends by the addresses QEMU reports). Shared by the agent's sampler and
/// <c>numa-operator launch --measure</c>.
/// </summary>
public static class ProcessMeasurement
{
    /// <summary>
    /// What the measurement needs from QEMU itself, once per process: for ordinary pages, where each backend is mapped
    /// (anonymous memory carries no name); hugepage backends are found by file name and need nothing.
    /// </summary>
    /// <exception cref="QmpException">QMP failed.</exception>
    public static async Task<GuestRamAddresses> LocateAsync(QmpClient qmp, VmPlacement placement, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(placement);
        return placement.PageSize.IsHuge
            ? GuestRamAddresses.None
            : await GuestRamLocator.LocateAsync(qmp, GuestRamLayout.Of(placement, null).Backends.Select(b => b.Id), ct);
    }

    /// <exception cref="IOException">The process is gone (its /proc files vanished).</exception>
    public static async Task<(NumaMeasurement Measurement, NumaVerdict Verdict)> MeasureAsync(
        int pid, VmPlacement placement, IReadOnlyList<HugetlbfsMount> hugetlbfsMounts, GuestRamAddresses addresses, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(hugetlbfsMounts);
        var mount = placement.PageSize.IsHuge ? HugetlbfsMounts.ForPageSize(hugetlbfsMounts, placement.PageSize.Bytes)?.MountPoint : null;
        var numaMaps = await File.ReadAllTextAsync($"/proc/{pid}/numa_maps", ct);
        var maps = await File.ReadAllTextAsync($"/proc/{pid}/maps", ct);
        var measurement = GuestMemoryMeasurer.Measure(numaMaps, maps, GuestRamLayout.Of(placement, mount), addresses);
        return (measurement, NumaVerdict.Judge(measurement));
    }
}
