using System.Globalization;
using System.Text.RegularExpressions;

namespace NumaOperator.Cli.Standalone;

/// <summary>One hugepage pool: a host NUMA node's (Node = id) or, on a kernel without per-node sysfs, the whole host's (Node = null).</summary>
public sealed record HugepagePool(int? Node, long PageBytes, long Total, long Free)
{
    public string Describe() => Node is { } n ? $"host node {n}" : "the host";
}

/// <summary>Reads and writes hugepage pool sizes in sysfs (root injectable so tests can use a fixture tree).</summary>
public sealed partial class HugepagePools(string sysfsRoot = "/")
{
    public string SysfsRoot { get; } = sysfsRoot;

    /// <summary>Every host NUMA node's pool of <paramref name="pageBytes"/>; the whole host's when there are no per-node pools.</summary>
    public IReadOnlyList<HugepagePool> Read(long pageBytes)
    {
        var pools = new List<HugepagePool>();
        var nodeRoot = Path.Combine(SysfsRoot, "sys/devices/system/node");
        if (Directory.Exists(nodeRoot))
        {
            foreach (var dir in Directory.EnumerateDirectories(nodeRoot))
            {
                if (NodeDir().Match(Path.GetFileName(dir)) is { Success: true } m
                    && Directory.Exists(PoolDir(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), pageBytes)))
                {
                    var id = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                    pools.Add(ReadPool(id, pageBytes));
                }
            }
        }

        if (pools.Count == 0 && Directory.Exists(PoolDir(null, pageBytes)))
        {
            pools.Add(ReadPool(null, pageBytes));
        }

        return [.. pools.OrderBy(p => p.Node)];
    }

    /// <summary>True when the kernel has a pool of this page size at all (1Gi needs CPU support, pdpe1gb).</summary>
    public bool Supports(long pageBytes) => Directory.Exists(PoolDir(null, pageBytes)) || Read(pageBytes).Count > 0;

    public HugepagePool ReadPool(int? node, long pageBytes) =>
        new(node, pageBytes, ReadCounter(node, pageBytes, "nr_hugepages"), ReadCounter(node, pageBytes, "free_hugepages"));

    /// <summary>The sysfs file that sets a pool's size.</summary>
    public string TotalFile(int? node, long pageBytes) => Path.Combine(PoolDir(node, pageBytes), "nr_hugepages");

    /// <summary>Asks the kernel for <paramref name="total"/> pages and returns what it granted (less when memory is fragmented).</summary>
    public long SetTotal(int? node, long pageBytes, long total)
    {
        File.WriteAllText(TotalFile(node, pageBytes), total.ToString(CultureInfo.InvariantCulture));
        return ReadCounter(node, pageBytes, "nr_hugepages");
    }

    private long ReadCounter(int? node, long pageBytes, string counter) =>
        long.Parse(File.ReadAllText(Path.Combine(PoolDir(node, pageBytes), counter)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture);

    private string PoolDir(int? node, long pageBytes)
    {
        var pool = string.Create(CultureInfo.InvariantCulture, $"hugepages-{pageBytes / 1024}kB");
        return node is { } n
            ? Path.Combine(SysfsRoot, "sys/devices/system/node", string.Create(CultureInfo.InvariantCulture, $"node{n}"), "hugepages", pool)
            : Path.Combine(SysfsRoot, "sys/kernel/mm/hugepages", pool);
    }

    [GeneratedRegex("^node([0-9]+)$")]
    private static partial Regex NodeDir();
}
