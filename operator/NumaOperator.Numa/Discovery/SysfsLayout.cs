using System.Globalization;

namespace NumaOperator.Numa.Discovery;

/// <summary>
/// Where the kernel keeps the host facts this project reads, under an injectable root ("/" on a real host, a fixture
/// tree in tests, the host's /sys mounted elsewhere in a container). The one place that knows the sysfs layout: the
/// topology reader (<see cref="SysfsTopologyReader"/>) and the hugepage counters of the launch path and the CLI
/// (NumaOperator.Qemu's HugepageCounters) build their paths here. Pure: nothing is read.
/// </summary>
/// <remarks>Layout: Documentation/ABI/stable/sysfs-devices-node and Documentation/admin-guide/mm/hugetlbpage.rst.</remarks>
public sealed class SysfsLayout
{
    /// <summary>A pool's reserved pages; writable, to grow or shrink the pool.</summary>
    public const string TotalPagesFile = "nr_hugepages";

    /// <summary>A pool's pages not mapped by anyone.</summary>
    public const string FreePagesFile = "free_hugepages";

    /// <summary>A pool's overcommitted pages beyond nr_hugepages.</summary>
    public const string SurplusPagesFile = "surplus_hugepages";

    /// <param name="root">The directory that holds sys/ ("/" for this host).</param>
    public SysfsLayout(string root = "/")
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = root;
        NodeDirectory = Path.Combine(root, "sys", "devices", "system", "node");
        CpuDirectory = Path.Combine(root, "sys", "devices", "system", "cpu");
    }

    public string Root { get; }

    /// <summary>sys/devices/system/node: online, and one nodeN directory per NUMA node.</summary>
    public string NodeDirectory { get; }

    /// <summary>sys/devices/system/cpu: one cpuN directory per CPU.</summary>
    public string CpuDirectory { get; }

    /// <summary>The list of online NUMA nodes, e.g. "0-1".</summary>
    public string OnlineNodesFile => Path.Combine(NodeDirectory, "online");

    /// <summary>node/nodeN: cpulist, meminfo, distance and hugepages/ of one NUMA node.</summary>
    public string Node(int id) => Path.Combine(NodeDirectory, string.Create(CultureInfo.InvariantCulture, $"node{id}"));

    /// <summary>cpu/cpuN/topology: thread_siblings_list, core_id, physical_package_id.</summary>
    public string CpuTopology(int cpu) => Path.Combine(CpuDirectory, string.Create(CultureInfo.InvariantCulture, $"cpu{cpu}"), "topology");

    /// <summary>node/nodeN/hugepages: one pool directory per page size the kernel supports.</summary>
    public string NodeHugepages(int id) => Path.Combine(Node(id), "hugepages");

    /// <summary>
    /// The pool of <paramref name="pageBytes"/> pages on one NUMA node (node/nodeN/hugepages/hugepages-SIZEkB) or, with a
    /// null node, the whole host's (kernel/mm/hugepages/hugepages-SIZEkB, for kernels without per-node pools).
    /// </summary>
    public string HugepagePool(int? node, long pageBytes) => node is { } id
        ? Path.Combine(NodeHugepages(id), PoolDirectoryName(pageBytes))
        : Path.Combine(Root, "sys", "kernel", "mm", "hugepages", PoolDirectoryName(pageBytes));

    /// <summary>"hugepages-2048kB" for 2 MiB pages; <see cref="SysfsFormats.ParsePoolDirectoryName"/> reads it back.</summary>
    public static string PoolDirectoryName(long pageBytes) => string.Create(CultureInfo.InvariantCulture, $"hugepages-{pageBytes / 1024}kB");
}
