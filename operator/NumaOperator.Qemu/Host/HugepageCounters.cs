using System.Globalization;

namespace NumaOperator.Qemu.Host;

/// <summary>Per host NUMA node hugepage counters from sysfs (injectable root, so tests can point at a fixture tree).</summary>
public sealed class HugepageCounters(string sysfsRoot = "/")
{
    public string SysfsRoot { get; } = sysfsRoot;

    public long FreePages(int hostNode, long pageBytes) => Read(hostNode, pageBytes, "free_hugepages");

    public long TotalPages(int hostNode, long pageBytes) => Read(hostNode, pageBytes, "nr_hugepages");

    /// <summary>nodeN/hugepages/hugepages-2048kB/nr_hugepages: writable, to reserve pages on one node.</summary>
    public string TotalPagesPath(int hostNode, long pageBytes) => PoolFile(hostNode, pageBytes, "nr_hugepages");

    private long Read(int hostNode, long pageBytes, string counter)
    {
        var path = PoolFile(hostNode, pageBytes, counter);
        if (!File.Exists(path))
        {
            return 0; // no such node or no pool of that size: nothing free
        }

        return long.Parse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    private string PoolFile(int hostNode, long pageBytes, string counter) =>
        Path.Combine(SysfsRoot, "sys/devices/system/node", $"node{hostNode}", "hugepages", $"hugepages-{pageBytes / 1024}kB", counter);
}
