using System.Globalization;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;

namespace NumaOperator.Numa.Discovery;

/// <summary>
/// Reads a host's NUMA topology from sysfs under an injectable root ("/" on a real host; a fixture tree in tests;
/// the host's /sys mounted elsewhere in a container). Thin I/O: paths come from <see cref="SysfsLayout"/>, every file
/// is parsed by <see cref="SysfsFormats"/>.
/// </summary>
/// <remarks>
/// Sources: sys/devices/system/node/{online, nodeN/{cpulist, meminfo, distance, hugepages/hugepages-*kB/*}} and
/// sys/devices/system/cpu/cpuN/{online, topology/{thread_siblings_list, core_id, physical_package_id}}.
/// Offline CPUs are left out of every node, even where a kernel still lists them in nodeN/cpulist.
/// </remarks>
public sealed class SysfsTopologyReader
{
    private readonly SysfsLayout _sysfs;

    /// <param name="root">The directory that holds sys/ ("/" for this host).</param>
    public SysfsTopologyReader(string root = "/")
    {
        _sysfs = new SysfsLayout(root);
    }

    public string Root => _sysfs.Root;

    /// <exception cref="TopologyDiscoveryException">A file is missing, unreadable or malformed; the message names it.</exception>
    public HostTopology ReadTopology() => Read().Topology;

    /// <exception cref="TopologyDiscoveryException">A file is missing, unreadable or malformed; the message names it.</exception>
    public DiscoveredHost Read()
    {
        var onlinePath = _sysfs.OnlineNodesFile;
        var onlineNodes = SysfsFormats.ParseList(onlinePath, ReadFile(onlinePath, "the list of online NUMA nodes, e.g. \"0-1\""));
        if (onlineNodes.IsEmpty)
        {
            throw new TopologyDiscoveryException(onlinePath, "expected at least one online NUMA node, got an empty list");
        }

        var offlineCpus = ReadOfflineCpus();
        var nodes = new List<HostNumaNode>(onlineNodes.Count);
        var packagesByNode = new Dictionary<int, CpuSet>();
        foreach (var id in onlineNodes)
        {
            var (node, packages) = ReadNode(id, onlineNodes.Count, offlineCpus);
            nodes.Add(node);
            packagesByNode[id] = packages;
        }

        return new DiscoveredHost(new HostTopology(nodes), offlineCpus, packagesByNode);
    }

    private (HostNumaNode Node, CpuSet Packages) ReadNode(int id, int onlineNodeCount, CpuSet offlineCpus)
    {
        var dir = _sysfs.Node(id);
        var cpulistPath = Path.Combine(dir, "cpulist");
        var cpus = SysfsFormats.ParseList(cpulistPath, ReadFile(cpulistPath, "the node's CPU list, e.g. \"0-15,32-47\" (an empty line for a memory-only node)"))
            .Except(offlineCpus);

        var siblings = new Dictionary<int, CpuSet>();
        var packages = new List<int>();
        foreach (var cpu in cpus)
        {
            var topologyDir = _sysfs.CpuTopology(cpu);
            var siblingsPath = Path.Combine(topologyDir, "thread_siblings_list");
            siblings[cpu] = SysfsFormats.ParseList(siblingsPath, ReadFile(siblingsPath, "the CPU's SMT siblings, e.g. \"0,32\""));
            var corePath = Path.Combine(topologyDir, "core_id");
            _ = SysfsFormats.ParseTopologyId(corePath, ReadFile(corePath, "the CPU's core id"));
            var packagePath = Path.Combine(topologyDir, "physical_package_id");
            var package = SysfsFormats.ParseTopologyId(packagePath, ReadFile(packagePath, "the CPU's socket id"));
            if (package >= 0)
            {
                packages.Add(package);
            }
        }

        var meminfoPath = Path.Combine(dir, "meminfo");
        var memoryBytes = SysfsFormats.ParseMemTotalBytes(meminfoPath, ReadFile(meminfoPath, $"the node's meminfo with a 'Node {id} MemTotal:' line"), id);
        var distancePath = Path.Combine(dir, "distance");
        var distances = SysfsFormats.ParseDistances(distancePath, ReadFile(distancePath, "space-separated SLIT distances, one per online node"), onlineNodeCount);

        var node = new HostNumaNode(id, cpus, CoreGrouping.Cores(cpus, siblings), memoryBytes, ReadPools(_sysfs.NodeHugepages(id)), distances);
        return (node, CpuSet.Of(packages));
    }

    private static List<HugepagePool> ReadPools(string hugepagesDir)
    {
        if (!Directory.Exists(hugepagesDir))
        {
            return []; // kernel without hugetlbfs support: no pools, which is not an error
        }

        var pools = new List<HugepagePool>();
        foreach (var poolDir in Directory.EnumerateDirectories(hugepagesDir))
        {
            var pageSize = SysfsFormats.ParsePoolDirectoryName(poolDir, Path.GetFileName(poolDir));
            pools.Add(new HugepagePool(
                pageSize,
                Total: ReadCount(Path.Combine(poolDir, SysfsLayout.TotalPagesFile)),
                Free: ReadCount(Path.Combine(poolDir, SysfsLayout.FreePagesFile)),
                Surplus: ReadCount(Path.Combine(poolDir, SysfsLayout.SurplusPagesFile))));
        }

        return pools.OrderBy(p => p.PageSize.Bytes).ToList();
    }

    private static long ReadCount(string path) => SysfsFormats.ParseCount(path, ReadFile(path, "a page count"));

    /// <summary>CPUs whose cpuN/online says 0. cpu0 on x86 has no online file: it cannot be unplugged, so it is online.</summary>
    private CpuSet ReadOfflineCpus()
    {
        if (!Directory.Exists(_sysfs.CpuDirectory))
        {
            throw new TopologyDiscoveryException(_sysfs.CpuDirectory, "directory is missing (expected the kernel's CPU devices, cpuN/...)");
        }

        var offline = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories(_sysfs.CpuDirectory, "cpu*"))
        {
            var suffix = Path.GetFileName(dir)[3..];
            if (suffix.Length == 0 || !suffix.All(char.IsAsciiDigit)
                || !int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out var cpu) || cpu > CpuSet.MaxMember)
            {
                continue; // cpufreq, cpuidle, ...
            }

            var onlinePath = Path.Combine(dir, "online");
            if (File.Exists(onlinePath) && !SysfsFormats.ParseOnlineFlag(onlinePath, ReadFile(onlinePath, "0 or 1")))
            {
                offline.Add(cpu);
            }
        }

        return CpuSet.Of(offline);
    }

    private static string ReadFile(string path, string expected)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TopologyDiscoveryException(path, $"file is missing (expected {expected})", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TopologyDiscoveryException(path, $"cannot be read ({e.Message}; expected {expected})", e);
        }
    }
}
