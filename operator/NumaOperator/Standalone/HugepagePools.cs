using System.Globalization;
using NumaOperator.Qemu.Host;

namespace NumaOperator.Cli.Standalone;

/// <summary>
/// Reads and sizes the hugepage pools --reserve-hugepages works on, through the agent's <see cref="HugepageCounters"/>
/// (one place knows the sysfs layout; root injectable so tests can use a fixture tree).
/// </summary>
public sealed class HugepagePools(string sysfsRoot = "/")
{
    private readonly HugepageCounters counters = new(sysfsRoot);

    /// <summary>Every host NUMA node's pool of <paramref name="pageBytes"/>; the whole host's when there are no per-node pools.</summary>
    public IReadOnlyList<HugepagePoolReading> Read(long pageBytes)
    {
        var nodes = counters.NodesWithPool(pageBytes);
        if (nodes.Count > 0)
        {
            return [.. nodes.Select(n => ReadPool(n, pageBytes))];
        }

        return counters.HasPool(null, pageBytes) ? [ReadPool(null, pageBytes)] : [];
    }

    /// <summary>True when the kernel has a pool of this page size at all (1Gi needs CPU support, pdpe1gb).</summary>
    public bool Supports(long pageBytes) => counters.HasPool(null, pageBytes) || counters.NodesWithPool(pageBytes).Count > 0;

    public HugepagePoolReading ReadPool(int? node, long pageBytes) =>
        new(node, pageBytes, counters.TotalPages(node, pageBytes), counters.FreePages(node, pageBytes));

    /// <summary>The sysfs file that sets a pool's size.</summary>
    public string TotalFile(int? node, long pageBytes) => counters.TotalPagesPath(node, pageBytes);

    /// <summary>Asks the kernel for <paramref name="total"/> pages and returns what it granted (less when memory is fragmented).</summary>
    public long SetTotal(int? node, long pageBytes, long total)
    {
        File.WriteAllText(TotalFile(node, pageBytes), total.ToString(CultureInfo.InvariantCulture));
        return counters.TotalPages(node, pageBytes);
    }
}
