using NumaOperator.Numa.Discovery;
using Xunit;

namespace NumaOperator.Numa.Tests.Discovery;

/// <summary>A missing or malformed sysfs file fails discovery with a message naming the file and what was expected.</summary>
public sealed class MalformedSysfsTests
{
    private const string Node = "sys/devices/system/node/";
    private const string Cpu = "sys/devices/system/cpu/";
    private const string Pool2M = Node + "node1/hugepages/hugepages-2048kB/";

    [Theory]
    [InlineData(Node + "online", "0-x\n", "expected a list in cpuset syntax")]
    [InlineData(Node + "online", "\n", "expected at least one online NUMA node")]
    [InlineData(Node + "node1/cpulist", "16-31;48-63\n", "expected a list in cpuset syntax such as \"0-3,8-11\", got '16-31;48-63'")]
    [InlineData(Node + "node1/distance", "abc\n", "expected space-separated integers, got 'abc'")]
    [InlineData(Node + "node1/distance", "21 10 10\n", "expected 2 space-separated integers (one per online node), got 3")]
    [InlineData(Node + "node1/meminfo", "Node 1 MemFree: 5 kB\n", "expected a line 'Node 1 MemTotal: <size> kB'")]
    [InlineData(Node + "node1/meminfo", "Node 1 MemTotal:  lots kB\n", "expected a size in kB on the MemTotal line, got 'Node 1 MemTotal:  lots kB'")]
    [InlineData(Node + "node1/meminfo", "Node 0 MemTotal:  1024 kB\n", "expected the MemTotal line of node 1")]
    [InlineData(Pool2M + "nr_hugepages", "many\n", "expected a non-negative integer, got 'many'")]
    [InlineData(Pool2M + "free_hugepages", "-1\n", "expected a non-negative integer, got '-1'")]
    [InlineData(Pool2M + "surplus_hugepages", "\n", "expected a non-negative integer, got ''")]
    [InlineData(Cpu + "cpu17/online", "yes\n", "expected 0 or 1, got 'yes'")]
    [InlineData(Cpu + "cpu17/topology/thread_siblings_list", "17 49\n", "expected a list in cpuset syntax")]
    [InlineData(Cpu + "cpu17/topology/core_id", "one\n", "expected an integer id (or -1), got 'one'")]
    [InlineData(Cpu + "cpu17/topology/physical_package_id", "-2\n", "expected an integer id (or -1), got '-2'")]
    public void A_malformed_file_is_named_with_what_was_expected(string file, string content, string expected)
    {
        using var sysfs = new ScratchSysfs("intel-2s-smt");
        sysfs.Write(file, content);

        var e = Assert.Throws<TopologyDiscoveryException>(sysfs.Read);

        Assert.Equal(sysfs.PathOf(file), e.FilePath);
        Assert.StartsWith(sysfs.PathOf(file) + ": ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Node + "online", "the list of online NUMA nodes")]
    [InlineData(Node + "node1/cpulist", "the node's CPU list")]
    [InlineData(Node + "node1/meminfo", "MemTotal")]
    [InlineData(Node + "node1/distance", "SLIT distances")]
    [InlineData(Pool2M + "nr_hugepages", "a page count")]
    [InlineData(Cpu + "cpu48/topology/thread_siblings_list", "SMT siblings")]
    [InlineData(Cpu + "cpu48/topology/core_id", "core id")]
    [InlineData(Cpu + "cpu48/topology/physical_package_id", "socket id")]
    public void A_missing_file_is_named_with_what_was_expected(string file, string expected)
    {
        using var sysfs = new ScratchSysfs("intel-2s-smt");
        sysfs.Delete(file);

        var e = Assert.Throws<TopologyDiscoveryException>(sysfs.Read);

        Assert.Equal(sysfs.PathOf(file), e.FilePath);
        Assert.Contains("file is missing", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pool_directory_with_an_unknown_name_is_named()
    {
        using var sysfs = new ScratchSysfs("laptop-1node");
        var bad = sysfs.PathOf(Node + "node0/hugepages/hugepages-2M");
        Directory.Move(sysfs.PathOf(Node + "node0/hugepages/hugepages-2048kB"), bad);

        var e = Assert.Throws<TopologyDiscoveryException>(sysfs.Read);

        Assert.Equal(bad, e.FilePath);
        Assert.Contains("expected a directory named hugepages-<size>kB", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_root_without_sysfs_names_the_node_online_file()
    {
        var empty = Path.Combine(Path.GetTempPath(), "numaop-empty-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(empty);
        try
        {
            var e = Assert.Throws<TopologyDiscoveryException>(() => new SysfsTopologyReader(empty).Read());

            Assert.Equal(Path.Combine(empty, "sys/devices/system/node/online"), e.FilePath);
            Assert.Contains("file is missing", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public void A_missing_cpu_directory_is_named()
    {
        using var sysfs = new ScratchSysfs("laptop-1node");
        Directory.Delete(sysfs.PathOf("sys/devices/system/cpu"), recursive: true);

        var e = Assert.Throws<TopologyDiscoveryException>(sysfs.Read);

        Assert.Equal(sysfs.PathOf("sys/devices/system/cpu"), e.FilePath);
    }
}
