using System.Globalization;
using NumaOperator.Numa.Discovery;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using Spectre.Console;

namespace NumaOperator.Cli.Rendering;

/// <summary>The `nodes -o table` view: one row per host NUMA node.</summary>
public static class TopologyTable
{
    public static void Write(IAnsiConsole console, string nodeName, DiscoveredHost host)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(host);
        var topology = host.Topology;
        var table = new Table()
            .Title($"NUMA topology of {Markup.Escape(nodeName)}")
            .AddColumn("NUMA node")
            .AddColumn("Sockets")
            .AddColumn("CPUs")
            .AddColumn("Cores")
            .AddColumn(new TableColumn("Memory").RightAligned())
            .AddColumn("Hugepages (total / free)")
            .AddColumn("Distances");
        foreach (var node in topology.NumaNodes)
        {
            table.AddRow(
                node.Id.ToString(CultureInfo.InvariantCulture),
                host.PackagesByNode.TryGetValue(node.Id, out var packages) && !packages.IsEmpty ? packages.ToString() : "-",
                node.IsMemoryOnly ? "(memory only)" : node.Cpus.ToString(),
                Cores(node),
                ByteQuantity.Human(node.MemoryBytes),
                Markup.Escape(Hugepages(node)),
                string.Join(' ', node.Distances));
        }

        console.Write(table);
        var cpus = topology.NumaNodes.Sum(n => n.Cpus.Count);
        var cores = topology.NumaNodes.Sum(n => n.Cores.Count);
        var summary = $"{topology.NumaNodes.Count} NUMA node(s), {cores} core(s), {cpus} online CPU(s)";
        console.WriteLine(host.OfflineCpus.IsEmpty ? summary : $"{summary}, offline CPUs: {host.OfflineCpus}");
    }

    /// <summary>"16 x 2 threads", "1 x 1 thread + 3 x 2 threads" after CPUs went offline, "-" for a memory-only node.</summary>
    private static string Cores(HostNumaNode node) =>
        node.Cores.Count == 0
            ? "-"
            : string.Join(" + ", node.Cores
                .GroupBy(c => c.Count)
                .OrderBy(g => g.Key)
                .Select(g => $"{g.Count()} x {g.Key} thread{(g.Key == 1 ? string.Empty : "s")}"));

    private static string Hugepages(HostNumaNode node) =>
        node.Hugepages.Count == 0
            ? "-"
            : string.Join('\n', node.Hugepages.Select(p =>
                $"{p.PageSize}: {p.Total} / {p.Free}" + (p.Surplus > 0 ? $" (+{p.Surplus} surplus)" : string.Empty)));
}
