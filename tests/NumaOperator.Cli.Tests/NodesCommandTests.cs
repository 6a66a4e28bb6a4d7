using System.Globalization;
using k8s;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Rendering;
using NumaOperator.Numa.Discovery;
using NumaOperator.Numa.Quantities;
using NumaOperator.Tests.Shared;
using Xunit;

namespace NumaOperator.Cli.Tests;

/// <summary>`numa-operator nodes` run as a child process (stdout redirected, as in CI) against fixtures and this host.</summary>
public sealed class NodesCommandTests
{
    private static string Fixture(string machine) => RepoPaths.Fixture("sysfs", machine);

    [Fact]
    public void Json_output_is_a_NumaNodeTopology_of_the_fixture()
    {
        var run = Cli("nodes", "--sysfs", Fixture("intel-2s-smt"), "-o", "json", "--node-name", "worker-7");

        Assert.Equal(0, run.ExitCode);
        var resource = KubernetesJson.Deserialize<NumaNodeTopology>(run.Stdout);
        Assert.Equal(("numaoperator.io/v1alpha1", "NumaNodeTopology", "worker-7"), (resource.ApiVersion, resource.Kind, resource.Metadata.Name));
        var nodes = resource.Status!.NumaNodes;
        Assert.Equal(["0-15,32-47", "16-31,48-63"], nodes.Select(n => n.Cpus));
        Assert.Equal([0, 32], nodes[0].Cores[0]);
        Assert.Equal(16, nodes[1].Cores.Count);
        Assert.Equal(263_921_732L * 1024, nodes[0].MemoryBytes);
        Assert.Equal(("2Mi", 16384L, 12000L), (nodes[0].Hugepages[0].PageSize, nodes[0].Hugepages[0].Total, nodes[0].Hugepages[0].Free));
        Assert.Equal([21, 10], nodes[1].Distances);
    }

    [Fact]
    public void Yaml_output_reads_back_to_the_same_topology_as_the_reader_gives()
    {
        var run = Cli("nodes", "--sysfs", Fixture("cxl-memory-only"), "-o", "yaml", "--node-name", "cxl-host");

        Assert.Equal(0, run.ExitCode);
        var resource = KubernetesYaml.Deserialize<NumaNodeTopology>(run.Stdout);
        Assert.Equal("cxl-host", resource.Metadata.Name);
        var printed = TopologyConversion.FromStatus(resource.Status!);
        var read = new SysfsTopologyReader(Fixture("cxl-memory-only")).ReadTopology();
        Assert.Equal(read.NumaNodes.Select(n => (n.Id, n.Cpus, n.MemoryBytes)), printed.NumaNodes.Select(n => (n.Id, n.Cpus, n.MemoryBytes)));
        Assert.Equal(read.NumaNodes.SelectMany(n => n.Cores), printed.NumaNodes.SelectMany(n => n.Cores));
        Assert.Equal(
            read.NumaNodes.SelectMany(n => n.Hugepages.Select(p => (p.PageSize, p.Total, p.Free))),
            printed.NumaNodes.SelectMany(n => n.Hugepages.Select(p => (p.PageSize, p.Total, p.Free))));
        Assert.True(printed.Node(2)!.IsMemoryOnly);
    }

    [Fact]
    public void Table_output_without_a_terminal_shows_every_node_plainly()
    {
        var run = Cli("nodes", "--sysfs", Fixture("offline-cpus"), "--node-name", "lab");

        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain('\u001b', run.Stdout); // no ANSI escapes in a CI log
        Assert.Contains("NUMA topology of lab", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("0-2,8-11", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("4-5,7,12-13,15", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 x 1 thread + 3 x 2 threads", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("20 10", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("offline CPUs: 3,6,14", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Table_shows_hugepage_pools_per_size_and_memory_only_nodes()
    {
        var pools = Cli("nodes", "--sysfs", Fixture("asymmetric-hugepages"), "-o", "table", "--node-name", "n");
        var cxl = Cli("nodes", "--sysfs", Fixture("cxl-memory-only"), "-o", "table", "--node-name", "n");

        Assert.Equal((0, 0), (pools.ExitCode, cxl.ExitCode));
        Assert.Contains("2Mi: 512 / 12 (+64 surplus)", pools.Stdout, StringComparison.Ordinal);
        Assert.Contains("1Gi: 40 / 33", pools.Stdout, StringComparison.Ordinal);
        Assert.Contains("(memory only)", cxl.Stdout, StringComparison.Ordinal);
        Assert.Contains("128.0 GiB", cxl.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_output_format_is_bad_input_naming_the_allowed_ones()
    {
        var run = Cli("nodes", "--sysfs", Fixture("laptop-1node"), "-o", "xml");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("'xml'", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("'table'", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("'json'", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("'yaml'", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public void Picture_output_without_a_terminal_is_the_ascii_picture_of_the_fixture()
    {
        var run = Cli("nodes", "--sysfs", Fixture("gigantic-1g"), "-o", "picture", "--node-name", "big");

        Assert.Equal(0, run.ExitCode);
        var expected = PictureWriter.Plain(HostPictureBuilder.FromSysfs("big", new SysfsTopologyReader(Fixture("gigantic-1g")).Read()), PictureGlyphs.Ascii);
        Assert.Equal(expected, run.Stdout);
        Assert.Contains("  1Gi   ######", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_describes_the_picture_and_when_it_is_the_default()
    {
        var run = Cli("nodes", "--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("picture", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Default: picture on a terminal, table when stdout is not one", run.Stdout.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void A_root_without_sysfs_is_bad_input_naming_the_file()
    {
        var root = Path.Combine(Path.GetTempPath(), "numaop-nosysfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            var run = Cli("nodes", "--sysfs", root);

            Assert.Equal(2, run.ExitCode);
            Assert.Contains(Path.Combine(root, "sys/devices/system/node/online"), run.Stderr, StringComparison.Ordinal);
            Assert.Empty(run.Stdout);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_malformed_sysfs_file_is_bad_input_naming_the_file_and_what_was_expected()
    {
        var root = Path.Combine(Path.GetTempPath(), "numaop-badsysfs-" + Guid.NewGuid().ToString("N"));
        var distance = Path.Combine(root, "sys/devices/system/node/node0/distance");
        try
        {
            CopyTree(Fixture("laptop-1node"), root);
            File.WriteAllText(distance, "abc\n");

            var run = Cli("nodes", "--sysfs", root, "-o", "json");

            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"{distance}: expected space-separated integers, got 'abc'", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void An_invalid_node_name_is_bad_input()
    {
        var run = Cli("nodes", "--sysfs", Fixture("laptop-1node"), "--node-name", "Not_A_Node");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--node-name", run.Stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void This_host_is_printed_as_sysfs_and_proc_cpuinfo_describe_it()
    {
        Skip.IfNot(File.Exists("/sys/devices/system/node/online"), "this host has no /sys/devices/system/node");

        var run = Cli("nodes", "-o", "json");

        Assert.Equal(0, run.ExitCode);
        var resource = KubernetesJson.Deserialize<NumaNodeTopology>(run.Stdout);
        Assert.Equal(Environment.MachineName.ToLowerInvariant(), resource.Metadata.Name);
        var nodes = resource.Status!.NumaNodes;
        // Independent readings: the node directories' own cpulist files and /proc/cpuinfo's online processors.
        var nodeDirs = CpuSet.Parse(File.ReadAllText("/sys/devices/system/node/online"));
        Assert.Equal(nodeDirs, CpuSet.Of(nodes.Select(n => n.Id)));
        foreach (var node in nodes)
        {
            Assert.Equal(CpuSet.Parse(File.ReadAllText($"/sys/devices/system/node/node{node.Id}/cpulist")), CpuSet.Parse(node.Cpus));
        }

        var processors = File.ReadAllLines("/proc/cpuinfo").Count(l => l.StartsWith("processor", StringComparison.Ordinal));
        Assert.Equal(processors, nodes.Sum(n => CpuSet.Parse(n.Cpus).Count));

        var table = Cli("nodes");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{nodes.Count} NUMA node(s)"), table.Stdout, StringComparison.Ordinal);
    }

    private static CliResult Cli(params string[] args) => CliProcess.Run(TimeSpan.FromSeconds(60), args);

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.EnumerateDirectories(from))
        {
            CopyTree(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }
}
