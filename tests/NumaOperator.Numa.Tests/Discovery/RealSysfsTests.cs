using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using NumaOperator.Numa.Discovery;
using NumaOperator.Numa.Quantities;
using NumaOperator.Tests.Shared;
using Xunit;

namespace NumaOperator.Numa.Tests.Discovery;

/// <summary>
/// This machine's real /sys, checked against independent sources: `numactl --hardware` (libnuma) and /proc.
/// </summary>
public sealed partial class RealSysfsTests
{
    private static bool HasNodeSysfs => File.Exists("/sys/devices/system/node/online");

    [SkippableFact]
    public void Nodes_cpus_sizes_and_distances_agree_with_numactl_hardware()
    {
        Skip.IfNot(HasNodeSysfs, "this host has no /sys/devices/system/node (not Linux, or a kernel without NUMA)");
        Skip.IfNot(HostCapabilities.FindOnPath("numactl") is not null, "numactl is not installed (apt-get install numactl)");

        var numactl = NumactlHardware.Parse(Run("numactl", "--hardware"));
        var topology = new SysfsTopologyReader().ReadTopology();

        Assert.Equal(numactl.NodeIds, topology.NumaNodes.Select(n => n.Id));
        foreach (var node in topology.NumaNodes)
        {
            Assert.Equal(numactl.Cpus[node.Id], node.Cpus);
            // numactl prints MemTotal in whole MiB
            Assert.Equal(numactl.SizeMiB[node.Id], node.MemoryBytes >> 20);
            Assert.Equal(numactl.Distances[node.Id], node.Distances);
        }
    }

    [SkippableFact]
    public void Online_cpus_and_cores_agree_with_proc_cpuinfo()
    {
        Skip.IfNot(HasNodeSysfs, "this host has no /sys/devices/system/node");
        Skip.IfNot(File.Exists("/proc/cpuinfo"), "no /proc/cpuinfo");

        var host = new SysfsTopologyReader().Read();
        var cpuinfo = File.ReadAllText("/proc/cpuinfo").Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        // /proc/cpuinfo lists online CPUs only, one block each
        var onlineCpus = CpuSet.Of(cpuinfo.Select(b => int.Parse(Field(b, "processor")!, CultureInfo.InvariantCulture)));
        Assert.Equal(onlineCpus, host.Topology.NumaNodes.Aggregate(CpuSet.Empty, (acc, n) => acc.Union(n.Cpus)));
        Assert.False(onlineCpus.Overlaps(host.OfflineCpus));

        var physical = cpuinfo.Select(b => (Package: Field(b, "physical id"), Core: Field(b, "core id"))).ToList();
        Skip.If(physical.Any(p => p.Package is null || p.Core is null), "/proc/cpuinfo has no physical id / core id on this architecture");
        Assert.Equal(physical.Distinct().Count(), host.Topology.NumaNodes.Sum(n => n.Cores.Count));
    }

    [SkippableFact]
    public void Hugepage_totals_per_size_agree_with_the_global_pools()
    {
        Skip.IfNot(HasNodeSysfs, "this host has no /sys/devices/system/node");
        const string global = "/sys/kernel/mm/hugepages";
        Skip.IfNot(Directory.Exists(global), "no hugetlb support (/sys/kernel/mm/hugepages)");

        // Other tests may reserve pages concurrently: compare a consistent pair of readings.
        for (var attempt = 1; ; attempt++)
        {
            var expected = Directory.EnumerateDirectories(global)
                .ToDictionary(
                    d => SysfsFormats.ParsePoolDirectoryName(d, Path.GetFileName(d)).Bytes,
                    d => long.Parse(File.ReadAllText(Path.Combine(d, "nr_hugepages")).Trim(), CultureInfo.InvariantCulture));
            var actual = new SysfsTopologyReader().ReadTopology().NumaNodes
                .SelectMany(n => n.Hugepages)
                .GroupBy(p => p.PageSize.Bytes)
                .ToDictionary(g => g.Key, g => g.Sum(p => p.Total));
            if (attempt < 5 && !expected.OrderBy(kv => kv.Key).SequenceEqual(actual.OrderBy(kv => kv.Key)))
            {
                Thread.Sleep(200);
                continue;
            }

            Assert.Equal(expected.OrderBy(kv => kv.Key), actual.OrderBy(kv => kv.Key));
            return;
        }
    }

    private static string? Field(string block, string name) =>
        block.Split('\n')
            .Select(l => l.Split(':', 2))
            .Where(kv => kv.Length == 2 && kv[0].Trim() == name)
            .Select(kv => kv[1].Trim())
            .FirstOrDefault();

    private static string Run(string program, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, UseShellExecute = false })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }

    /// <summary>The parts of `numactl --hardware` output this test compares.</summary>
    private sealed partial record NumactlHardware(
        IReadOnlyList<int> NodeIds,
        IReadOnlyDictionary<int, CpuSet> Cpus,
        IReadOnlyDictionary<int, long> SizeMiB,
        IReadOnlyDictionary<int, IReadOnlyList<int>> Distances)
    {
        public static NumactlHardware Parse(string output)
        {
            var lines = output.Split('\n');
            var ids = AvailableLine().Match(output) is { Success: true } m
                ? m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Int).ToList()
                : throw new InvalidOperationException("numactl --hardware printed no 'available:' line:\n" + output);
            var cpus = new Dictionary<int, CpuSet>();
            var sizes = new Dictionary<int, long>();
            foreach (var line in lines)
            {
                if (CpusLine().Match(line) is { Success: true } c)
                {
                    cpus[Int(c.Groups[1].Value)] = CpuSet.Of(c.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Int));
                }
                else if (SizeLine().Match(line) is { Success: true } s)
                {
                    sizes[Int(s.Groups[1].Value)] = long.Parse(s.Groups[2].Value, CultureInfo.InvariantCulture);
                }
            }

            var distances = new Dictionary<int, IReadOnlyList<int>>();
            var table = lines.SkipWhile(l => !l.StartsWith("node distances:", StringComparison.Ordinal)).Skip(2);
            foreach (var row in table.Select(l => DistanceRow().Match(l)).Where(r => r.Success))
            {
                distances[Int(row.Groups[1].Value)] = row.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Int).ToList();
            }

            return new NumactlHardware(ids, cpus, sizes, distances);
        }

        private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

        [GeneratedRegex(@"^available: \d+ nodes \(([^)]*)\)", RegexOptions.Multiline)]
        private static partial Regex AvailableLine();

        [GeneratedRegex(@"^node (\d+) cpus:(.*)$")]
        private static partial Regex CpusLine();

        [GeneratedRegex(@"^node (\d+) size: (\d+) MB$")]
        private static partial Regex SizeLine();

        [GeneratedRegex(@"^\s*(\d+):\s+([\d\s]+)$")]
        private static partial Regex DistanceRow();
    }
}
