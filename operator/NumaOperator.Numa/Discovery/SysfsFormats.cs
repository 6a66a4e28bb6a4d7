using System.Globalization;
using System.Text.RegularExpressions;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Numa.Discovery;

/// <summary>
/// Parsers for the sysfs files NUMA discovery reads. Pure: each takes the file's path (for the error message only)
/// and its text, and throws <see cref="TopologyDiscoveryException"/> naming the path and what was expected.
/// </summary>
public static partial class SysfsFormats
{
    /// <summary>A cpulist / node list file ("0-3,8-11\n"); an empty line is the empty set (a CPU-less node).</summary>
    public static CpuSet ParseList(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return CpuSet.TryParse(text, out var set, out _)
            ? set
            : throw new TopologyDiscoveryException(path, $"expected a list in cpuset syntax such as \"0-3,8-11\", got '{Shown(text)}'");
    }

    /// <summary>A file holding one non-negative integer ("16384\n").</summary>
    public static long ParseCount(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        return long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new TopologyDiscoveryException(path, $"expected a non-negative integer, got '{Shown(text)}'");
    }

    /// <summary>core_id / physical_package_id: an integer; -1 is what the kernel writes when it does not know.</summary>
    public static int ParseTopologyId(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= -1
            ? value
            : throw new TopologyDiscoveryException(path, $"expected an integer id (or -1), got '{Shown(text)}'");
    }

    /// <summary>cpuN/online: "1" or "0".</summary>
    public static bool ParseOnlineFlag(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim() switch
        {
            "1" => true,
            "0" => false,
            _ => throw new TopologyDiscoveryException(path, $"expected 0 or 1, got '{Shown(text)}'"),
        };
    }

    /// <summary>nodeN/distance: one SLIT distance per online node ("10 21\n").</summary>
    public static IReadOnlyList<int> ParseDistances(string path, string text, int onlineNodeCount)
    {
        ArgumentNullException.ThrowIfNull(text);
        var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var distances = new List<int>(fields.Length);
        foreach (var field in fields)
        {
            if (!int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var d))
            {
                throw new TopologyDiscoveryException(path, $"expected space-separated integers, got '{Shown(text)}'");
            }

            distances.Add(d);
        }

        if (distances.Count != onlineNodeCount)
        {
            throw new TopologyDiscoveryException(
                path,
                $"expected {onlineNodeCount} space-separated integers (one per online node), got {distances.Count}: '{Shown(text)}'");
        }

        return distances;
    }

    /// <summary>nodeN/meminfo: the "Node N MemTotal:  263921732 kB" line, in bytes.</summary>
    public static long ParseMemTotalBytes(string path, string text, int nodeId)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var line in text.Split('\n'))
        {
            var match = MemTotalLine().Match(line);
            if (!match.Success)
            {
                continue;
            }

            if (!int.TryParse(match.Groups["node"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var lineNode) || lineNode != nodeId)
            {
                throw new TopologyDiscoveryException(path, $"expected the MemTotal line of node {nodeId}, got '{Shown(line)}'");
            }

            if (!long.TryParse(match.Groups["kb"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) || kb > long.MaxValue / 1024)
            {
                throw new TopologyDiscoveryException(path, $"expected a size in kB on the MemTotal line, got '{Shown(line)}'");
            }

            return kb * 1024;
        }

        throw new TopologyDiscoveryException(path, $"expected a line 'Node {nodeId} MemTotal: <size> kB', got none in '{Shown(text)}'");
    }

    /// <summary>The page size of a pool directory name ("hugepages-2048kB").</summary>
    public static PageSize ParsePoolDirectoryName(string path, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var match = PoolDirectory().Match(name);
        return match.Success
            && long.TryParse(match.Groups["kb"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var kb)
            && kb > 0 && kb <= long.MaxValue / 1024
            ? PageSize.HugeOfBytes(kb * 1024)
            : throw new TopologyDiscoveryException(path, $"expected a directory named hugepages-<size>kB such as hugepages-2048kB, got '{name}'");
    }

    /// <summary>Short, single-line echo of file content for error messages.</summary>
    private static string Shown(string text)
    {
        var oneLine = text.Trim().ReplaceLineEndings("\\n");
        return oneLine.Length <= 80 ? oneLine : oneLine[..77] + "...";
    }

    [GeneratedRegex(@"^\s*Node\s+(?<node>\S+)\s+MemTotal:\s*(?<kb>\S+)\s+kB\s*$")]
    private static partial Regex MemTotalLine();

    [GeneratedRegex(@"^hugepages-(?<kb>[0-9]{1,15})kB$")]
    private static partial Regex PoolDirectory();
}
