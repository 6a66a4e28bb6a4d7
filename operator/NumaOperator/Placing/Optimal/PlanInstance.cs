using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Cli.Placing.Optimal;

/// <summary>One host NUMA node as the optimizer sees it: what is still free on it after the recorded placements.</summary>
/// <param name="FreeCpus">Usable CPUs not pinned.</param>
/// <param name="Floating">A non-dedicated VM already floats there, so dedicated ones must leave one CPU unpinned.</param>
/// <param name="FreePages">Free pages per page size of <see cref="PlanInstance.PageSizes"/>.</param>
public sealed record PlanCell(int Id, int FreeCpus, bool Floating, long[] FreePages);

/// <summary>Interchangeable nodes: same free cells and the same answer to every VM type's nodeSelector.</summary>
public sealed record HostClass(int Index, IReadOnlyList<PlanCell> Cells, bool Idle, IReadOnlyList<string> Nodes);

/// <summary>Interchangeable VMs: the same demand (keys in input order).</summary>
public sealed record VmType(int Index, VmRequest Shape, int PageSlot, IReadOnlyList<string> Keys)
{
    public int Demand => Keys.Count;

    public long PagesPerCell => Shape.MemoryPerGuestNode / Shape.PageSize.Bytes;

    /// <summary>Pinned CPUs on a cell holding guest node <paramref name="big"/> (one vCPU more) or not.</summary>
    public int CpusPerCell(bool big) => Shape.DedicatedCpus ? Shape.Vcpus / Shape.GuestNodes + (big ? 1 : 0) : 0;

    public int BigCells => Shape.Vcpus % Shape.GuestNodes;
}

/// <summary>Where one VM of a type can go on a host of a class: its cells, and which of them take one vCPU more.</summary>
public sealed record CellAssignment(int[] Cells, bool[] Big);

/// <summary>
/// The offline plan's input reduced to what a plan depends on: VM types (identical requests grouped) and host
/// classes (nodes with identical free capacity grouped), with every way a type can sit on a class. Built from the
/// ledger's public figures only, so it sees exactly the capacity the engine sees.
/// </summary>
public sealed class PlanInstance
{
    public static readonly PageSize[] PageSizes = [PageSize.Normal, PageSize.Huge2Mi, PageSize.Huge1Gi];

    private readonly Dictionary<(int Class, int Type), IReadOnlyList<CellAssignment>> _assignments = [];

    public PlanInstance(PlacementLedger ledger, IReadOnlyList<VmRequest> pending)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(pending);
        Types = [.. pending.GroupBy(TypeKey, StringComparer.Ordinal)
            .Select((g, i) => new VmType(i, g.First(), Array.IndexOf(PageSizes, g.First().PageSize), [.. g.Select(r => r.Key)]))];
        var selectors = Types.Select(t => t.Shape.NodeSelector).ToList();
        var floating = ledger.Placements.SelectMany(p => p.Value.GuestNodes.Where(g => g.HostCpus.IsEmpty).Select(g => (p.Value.NodeName, g.HostNode))).ToHashSet();
        var used = ledger.Placements.Select(p => p.Value.NodeName).ToHashSet(StringComparer.Ordinal);
        var classes = new Dictionary<string, (List<PlanCell> Cells, bool Idle, string Matches, List<string> Nodes)>(StringComparer.Ordinal);
        foreach (var node in ledger.Snapshot.ClusterNodes)
        {
            var pinned = ledger.PinnedCpus(node.Name);
            var cells = node.Topology.NumaNodes.Select(n => new PlanCell(
                n.Id,
                n.Cpus.Except(node.ReservedCpus).Except(pinned).Count,
                floating.Contains((node.Name, n.Id)),
                [.. PageSizes.Select(size => ledger.FreePages(node.Name, n.Id, size))])).ToList();
            var matches = string.Concat(selectors.Select(s => s.All(kv => node.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value) ? '1' : '0'));
            var idle = !used.Contains(node.Name);
            var key = $"{idle}|{matches}|" + string.Join(";", cells.Select(c => $"{c.Id}:{c.FreeCpus}:{c.Floating}:{string.Join(",", c.FreePages)}"));
            if (!classes.TryGetValue(key, out var entry))
            {
                entry = (cells, idle, matches, []);
                classes.Add(key, entry);
            }

            entry.Nodes.Add(node.Name);
        }

        var ordered = classes.Values.OrderBy(c => c.Nodes[0], StringComparer.Ordinal).ToList();
        Classes = [.. ordered.Select((c, i) => new HostClass(i, c.Cells, c.Idle, c.Nodes))];
        _matches = [.. ordered.Select(c => c.Matches)];
    }

    /// <summary>Per class, per type: '1' when the class's nodes match the type's nodeSelector.</summary>
    private readonly string[] _matches;

    public IReadOnlyList<VmType> Types { get; }

    public IReadOnlyList<HostClass> Classes { get; }

    /// <summary>Every way one VM of <paramref name="type"/> can sit on a host of <paramref name="hostClass"/> when the host is otherwise empty.</summary>
    public IReadOnlyList<CellAssignment> Assignments(HostClass hostClass, VmType type)
    {
        if (_assignments.TryGetValue((hostClass.Index, type.Index), out var known))
        {
            return known;
        }

        var result = new List<CellAssignment>();
        if (_matches[hostClass.Index][type.Index] == '1' && type.PageSlot >= 0)
        {
            var candidates = Enumerable.Range(0, hostClass.Cells.Count).Where(c => Admits(hostClass.Cells[c], type)).ToArray();
            foreach (var cells in Subsets(candidates, type.Shape.GuestNodes))
            {
                foreach (var bigOnes in Subsets(Enumerable.Range(0, cells.Length).ToArray(), type.BigCells))
                {
                    var big = new bool[cells.Length];
                    foreach (var b in bigOnes)
                    {
                        big[b] = true;
                    }

                    if (cells.Select((c, i) => CpusLeft(hostClass.Cells[c]) >= type.CpusPerCell(big[i])).All(ok => ok))
                    {
                        result.Add(new CellAssignment(cells, big));
                    }
                }
            }
        }

        _assignments[(hostClass.Index, type.Index)] = result;
        return result;
    }

    /// <summary>CPUs dedicated VMs may still pin on the cell (one stays unpinned where non-dedicated VMs float).</summary>
    public static int CpusLeft(PlanCell cell) => cell.FreeCpus - (cell.Floating ? 1 : 0);

    private static bool Admits(PlanCell cell, VmType type) =>
        cell.FreeCpus > 0
        && (type.Shape.AllowedHostNodes?.Contains(cell.Id) ?? true)
        && cell.FreePages[type.PageSlot] >= type.PagesPerCell;

    private static string TypeKey(VmRequest r) =>
        $"{r.Vcpus}|{r.DedicatedCpus}|{r.MemoryBytes}|{r.PageSize.Bytes}|{r.GuestNodes}|{r.AllowedHostNodes}|{r.Policy}|" +
        string.Join(",", r.NodeSelector.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    private static IEnumerable<int[]> Subsets(int[] items, int size)
    {
        if (size == 0)
        {
            yield return [];
            yield break;
        }

        for (var i = 0; i <= items.Length - size; i++)
        {
            foreach (var rest in Subsets(items[(i + 1)..], size - 1))
            {
                yield return [items[i], .. rest];
            }
        }
    }
}
