using NumaOperator.Numa.Placement;
using NumaOperator.Qemu.Host;

namespace NumaOperator.Qemu.Measurement;

/// <summary>
/// Measures a running QEMU: reads /proc/PID/numa_maps and /proc/PID/maps and finds guest RAM by the placement's
/// layout (hugepage backends live under the hugetlbfs mount of the placement's page size). Shared by the agent's
/// sampler and <c>numa-operator launch --measure</c>.
/// </summary>
public static class ProcessMeasurement
{
    /// <exception cref="IOException">The process is gone (its /proc files vanished).</exception>
    public static async Task<(NumaMeasurement Measurement, NumaVerdict Verdict)> MeasureAsync(
        int pid, VmPlacement placement, IReadOnlyList<HugetlbfsMount> hugetlbfsMounts, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(hugetlbfsMounts);
        var mount = placement.PageSize.IsHuge ? HugetlbfsMounts.ForPageSize(hugetlbfsMounts, placement.PageSize.Bytes)?.MountPoint : null;
        var numaMaps = await File.ReadAllTextAsync($"/proc/{pid}/numa_maps", ct);
        var maps = await File.ReadAllTextAsync($"/proc/{pid}/maps", ct);
        var measurement = GuestMemoryMeasurer.Measure(numaMaps, maps, GuestRamLayout.Of(placement, mount));
        return (measurement, NumaVerdict.Judge(measurement));
    }
}
