using System.Globalization;

namespace NumaOperator.Qemu.Host;

/// <summary>
/// Hugepage pool counters from sysfs, per host NUMA node (node/nodeN/hugepages/hugepages-SIZEkB) or, with a null
/// node, the whole host's pool (kernel/mm/hugepages/hugepages-SIZEkB, for kernels without per-node pools). Injectable
/// root, so tests can point at a fixture tree.
/// </summary>
public sealed class HugepageCounters(string sysfsRoot = "/")
{
    public string SysfsRoot { get; } = sysfsRoot;

    public long FreePages(int? hostNode, long pageBytes) => Read(hostNode, pageBytes, "free_hugepages");

    public long TotalPages(int? hostNode, long pageBytes) => Read(hostNode, pageBytes, "nr_hugepages");

    /// <summary>nodeN/hugepages/hugepages-2048kB/nr_hugepages: writable, to reserve pages on one node (null: the whole host).</summary>
    public string TotalPagesPath(int? hostNode, long pageBytes) => Path.Combine(PoolDirectory(hostNode, pageBytes), "nr_hugepages");

    /// <summary>Whether the kernel has this pool (no 1Gi pools without the CPU's pdpe1gb; no per-node pools without NUMA sysfs).</summary>
    public bool HasPool(int? hostNode, long pageBytes) => Directory.Exists(PoolDirectory(hostNode, pageBytes));

    /// <summary>The host NUMA nodes that have a pool of <paramref name="pageBytes"/>, in id order.</summary>
    public IReadOnlyList<int> NodesWithPool(long pageBytes)
    {
        var nodeRoot = NodeRoot;
        if (!Directory.Exists(nodeRoot))
        {
            return [];
        }

        var nodes = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories(nodeRoot, "node*"))
        {
            if (int.TryParse(Path.GetFileName(dir).AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && HasPool(id, pageBytes))
            {
                nodes.Add(id);
            }
        }

        nodes.Sort();
        return nodes;
    }

    private string NodeRoot => Path.Combine(SysfsRoot, "sys/devices/system/node");

    private long Read(int? hostNode, long pageBytes, string counter)
    {
        var path = Path.Combine(PoolDirectory(hostNode, pageBytes), counter);
        if (!File.Exists(path))
        {
            return 0; // no such node or no pool of that size: nothing free
        }

        return long.Parse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    private string PoolDirectory(int? hostNode, long pageBytes)
    {
        var pool = string.Create(CultureInfo.InvariantCulture, $"hugepages-{pageBytes / 1024}kB");
        return hostNode is { } n
            ? Path.Combine(NodeRoot, string.Create(CultureInfo.InvariantCulture, $"node{n}"), "hugepages", pool)
            : Path.Combine(SysfsRoot, "sys/kernel/mm/hugepages", pool);
    }
}
