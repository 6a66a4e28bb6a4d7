using System.Globalization;
using NumaOperator.Numa.Discovery;

namespace NumaOperator.Qemu.Host;

/// <summary>
/// Hugepage pool counters from sysfs, per host NUMA node or, with a null node, the whole host's pool (for kernels
/// without per-node pools); paths from <see cref="SysfsLayout"/>. Injectable root, so tests can point at a fixture tree.
/// </summary>
public sealed class HugepageCounters(string sysfsRoot = "/")
{
    private readonly SysfsLayout sysfs = new(sysfsRoot);

    public string SysfsRoot => sysfs.Root;

    public long FreePages(int? hostNode, long pageBytes) => Read(hostNode, pageBytes, SysfsLayout.FreePagesFile);

    public long TotalPages(int? hostNode, long pageBytes) => Read(hostNode, pageBytes, SysfsLayout.TotalPagesFile);

    /// <summary>nodeN/hugepages/hugepages-2048kB/nr_hugepages: writable, to reserve pages on one node (null: the whole host).</summary>
    public string TotalPagesPath(int? hostNode, long pageBytes) => Path.Combine(sysfs.HugepagePool(hostNode, pageBytes), SysfsLayout.TotalPagesFile);

    /// <summary>Whether the kernel has this pool (no 1Gi pools without the CPU's pdpe1gb; no per-node pools without NUMA sysfs).</summary>
    public bool HasPool(int? hostNode, long pageBytes) => Directory.Exists(sysfs.HugepagePool(hostNode, pageBytes));

    /// <summary>The host NUMA nodes that have a pool of <paramref name="pageBytes"/>, in id order.</summary>
    public IReadOnlyList<int> NodesWithPool(long pageBytes)
    {
        if (!Directory.Exists(sysfs.NodeDirectory))
        {
            return [];
        }

        var nodes = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories(sysfs.NodeDirectory, "node*"))
        {
            if (int.TryParse(Path.GetFileName(dir).AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && HasPool(id, pageBytes))
            {
                nodes.Add(id);
            }
        }

        nodes.Sort();
        return nodes;
    }

    private long Read(int? hostNode, long pageBytes, string counter)
    {
        var path = Path.Combine(sysfs.HugepagePool(hostNode, pageBytes), counter);
        if (!File.Exists(path))
        {
            return 0; // no such node or no pool of that size: nothing free
        }

        return long.Parse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
