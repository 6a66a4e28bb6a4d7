using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;

namespace NumaOperator.Numa.Placement;

/// <summary>
/// The immutable half of the scheduler's world: every schedulable node with its NUMA facts, pre-indexed
/// for the placement engine (node order, dense NUMA ranks, page-size slots, capacities, core lists).
/// The mutable half (what is placed) is the <see cref="PlacementLedger"/>.
/// </summary>
/// <remarks>
/// Capacity per host NUMA node and page size: a hugepage pool offers its <c>Schedulable</c> pages when set (the
/// controller: free pages plus those its running VMs hold), else its <c>Total</c> (nr_hugepages), never more than Total.
/// Ordinary (4Ki) pages offer MemTotal minus the memory reserved in every hugepage pool of that node; the host's
/// own use of ordinary memory is not subtracted, so ordinary-page VMs are bounded, not guaranteed.
/// </remarks>
public sealed class ClusterSnapshot
{
    private readonly Dictionary<string, int> _indexByName;

    public ClusterSnapshot(IEnumerable<ClusterNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var ordered = nodes.OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
        _indexByName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < ordered.Count; i++)
        {
            if (!_indexByName.TryAdd(ordered[i].Name, i))
            {
                throw new ArgumentException($"node \"{ordered[i].Name}\" appears twice in the cluster snapshot", nameof(nodes));
            }
        }

        var sizes = new SortedSet<long> { PageSize.Normal.Bytes, PageSize.Huge2Mi.Bytes, PageSize.Huge1Gi.Bytes };
        foreach (var pool in ordered.SelectMany(n => n.Topology.NumaNodes).SelectMany(n => n.Hugepages))
        {
            sizes.Add(pool.PageSize.Bytes);
        }

        SlotPageBytes = [.. sizes];
        var rank = 0;
        var nodeInfos = new SnapshotNode[ordered.Count];
        var byRank = new List<(int Node, int Numa)>();
        for (var i = 0; i < ordered.Count; i++)
        {
            nodeInfos[i] = new SnapshotNode(i, ordered[i], SlotPageBytes, ref rank);
            for (var j = 0; j < nodeInfos[i].Numa.Length; j++)
            {
                byRank.Add((i, j));
            }
        }

        Nodes = nodeInfos;
        NumaByRank = [.. byRank];
        _leastDistance = nodeInfos.Length == 0 ? 0 : nodeInfos.Min(n => n.LeastDistance);
        LeastNodeCapacityPages = new long[SlotPageBytes.Length];
        for (var s = 0; s < SlotPageBytes.Length; s++)
        {
            LeastNodeCapacityPages[s] = nodeInfos.Select(n => n.CapacityPages[s]).Where(c => c > 0).DefaultIfEmpty(1).Min();
        }

        LeastNodeUsableCpus = nodeInfos.Select(n => n.UsableCpuCount).Where(c => c > 0).DefaultIfEmpty(1).Min();
        MostNodeCapacityPages = [.. Enumerable.Range(0, SlotPageBytes.Length).Select(s => nodeInfos.Select(n => n.CapacityPages[s]).DefaultIfEmpty(1).Max())];
        MostNodeUsableCpus = nodeInfos.Select(n => n.UsableCpuCount).DefaultIfEmpty(1).Max();
    }

    /// <summary>Per page-size slot, the largest page capacity of a whole node: bounds how little one VM can move a node's allocation.</summary>
    internal long[] MostNodeCapacityPages { get; }

    /// <summary>The most usable CPUs of a node.</summary>
    internal int MostNodeUsableCpus { get; }

    /// <summary>Per page-size slot, the smallest non-zero page capacity of a whole node (1 when none): bounds how much one VM can move a node's allocation.</summary>
    internal long[] LeastNodeCapacityPages { get; }

    /// <summary>The fewest usable CPUs of a node that has any (1 when none).</summary>
    internal int LeastNodeUsableCpus { get; }

    private readonly int _leastDistance;

    /// <summary>A lower bound of the distance sum of any k host NUMA nodes of any node: k(k-1)/2 × the least round-trip distance between two nodes.</summary>
    internal long LeastDistanceSum(int k) => (long)k * (k - 1) / 2 * _leastDistance;

    /// <summary>Nodes in ordinal name order; a node's position is its index everywhere in the ledger and engine.</summary>
    internal SnapshotNode[] Nodes { get; }

    /// <summary>Every host NUMA node of the cluster by its dense rank (node name order, then NUMA id).</summary>
    internal (int Node, int Numa)[] NumaByRank { get; }

    /// <summary>Page sizes the ledger tracks, ascending; slot 0 is ordinary pages.</summary>
    internal long[] SlotPageBytes { get; }

    public int NodeCount => Nodes.Length;

    public int NumaNodeCount => NumaByRank.Length;

    public IEnumerable<ClusterNode> ClusterNodes => Nodes.Select(n => n.Source);

    public ClusterNode? Node(string name) => _indexByName.TryGetValue(name, out var i) ? Nodes[i].Source : null;

    internal int IndexOf(string name) => _indexByName.TryGetValue(name, out var i) ? i : -1;

    /// <summary>Slot of a page size, or -1 when no node offers that size.</summary>
    internal int SlotOf(long pageBytes)
    {
        for (var s = 0; s < SlotPageBytes.Length; s++)
        {
            if (SlotPageBytes[s] == pageBytes)
            {
                return s;
            }
        }

        return -1;
    }
}

/// <summary>One node of the snapshot, with its NUMA nodes pre-computed for the engine's hot loop.</summary>
internal sealed class SnapshotNode
{
    public SnapshotNode(int index, ClusterNode source, long[] slotPageBytes, ref int rank)
    {
        Index = index;
        Source = source;
        Name = source.Name;
        var hostNodes = source.Topology.NumaNodes;
        Numa = new SnapshotNumaNode[hostNodes.Count];
        foreach (var (hostNode, j) in hostNodes.OrderBy(n => n.Id).Select((n, j) => (n, j)))
        {
            Numa[j] = new SnapshotNumaNode(j, rank++, hostNode, source.ReservedCpus, slotPageBytes);
        }

        CapacityPages = new long[slotPageBytes.Length];
        foreach (var numa in Numa)
        {
            UsableCpuCount += numa.UsableCpuCount;
            for (var s = 0; s < slotPageBytes.Length; s++)
            {
                CapacityPages[s] += numa.CapacityPages[s];
            }
        }

        // Round-trip SLIT distances (a→b plus b→a, so asymmetric tables count the same both ways) by local position;
        // a host that reported none counts every hop as the same (0).
        Distance = new int[Numa.Length, Numa.Length];
        for (var a = 0; a < Numa.Length; a++)
        {
            for (var b = 0; b < Numa.Length; b++)
            {
                Distance[a, b] = (source.Topology.Distance(Numa[a].Id, Numa[b].Id) ?? 0) + (source.Topology.Distance(Numa[b].Id, Numa[a].Id) ?? 0);
            }
        }
    }

    public int Index { get; }

    public string Name { get; }

    /// <summary>Pages of each page-size slot over all host NUMA nodes.</summary>
    public long[] CapacityPages { get; }

    /// <summary>CPUs not in reservedCpus over all host NUMA nodes.</summary>
    public int UsableCpuCount { get; }

    /// <summary>The least distance between two different host NUMA nodes of this node (int.MaxValue with fewer than two).</summary>
    public int LeastDistance
    {
        get
        {
            var least = int.MaxValue;
            for (var a = 0; a < Numa.Length; a++)
            {
                for (var b = 0; b < Numa.Length; b++)
                {
                    if (a != b)
                    {
                        least = Math.Min(least, Distance[a, b]);
                    }
                }
            }

            return least;
        }
    }

    public ClusterNode Source { get; }

    public SnapshotNumaNode[] Numa { get; }

    public int[,] Distance { get; }

    public int LocalIndexOf(int hostNodeId)
    {
        for (var j = 0; j < Numa.Length; j++)
        {
            if (Numa[j].Id == hostNodeId)
            {
                return j;
            }
        }

        return -1;
    }

    public bool Matches(IReadOnlyDictionary<string, string> selector)
    {
        foreach (var (key, value) in selector)
        {
            if (!Source.Labels.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>One host NUMA node: its CPUs as local indexes, its cores, and its capacity per page-size slot.</summary>
internal sealed class SnapshotNumaNode
{
    public SnapshotNumaNode(int local, int rank, HostNumaNode node, CpuSet reserved, long[] slotPageBytes)
    {
        Local = local;
        Rank = rank;
        Id = node.Id;
        Cpus = [.. node.Cpus];
        Reserved = new bool[Cpus.Length];
        for (var c = 0; c < Cpus.Length; c++)
        {
            Reserved[c] = reserved.Contains(Cpus[c]);
            if (!Reserved[c])
            {
                UsableCpuCount++;
            }
        }

        // Cores as local CPU indexes, lowest CPU first; CPUs no core lists become single-CPU cores.
        var covered = new HashSet<int>();
        var cores = new List<int[]>();
        foreach (var core in node.Cores.OrderBy(c => c.Count > 0 ? c[0] : int.MaxValue))
        {
            var locals = core.Select(cpu => Array.BinarySearch(Cpus, cpu)).Where(i => i >= 0 && covered.Add(i)).ToArray();
            if (locals.Length > 0)
            {
                cores.Add(locals);
            }
        }

        for (var c = 0; c < Cpus.Length; c++)
        {
            if (covered.Add(c))
            {
                cores.Add([c]);
            }
        }

        Cores = [.. cores.OrderBy(c => Cpus[c.Min()])];

        CapacityPages = new long[slotPageBytes.Length];
        TotalPages = new long[slotPageBytes.Length];
        long hugeBytes = 0;
        foreach (var pool in node.Hugepages)
        {
            hugeBytes += pool.Total * pool.PageSize.Bytes;
            var slot = Array.IndexOf(slotPageBytes, pool.PageSize.Bytes);
            if (slot > 0)
            {
                CapacityPages[slot] += Math.Max(0, Math.Min(pool.Total, pool.Schedulable ?? pool.Total));
                TotalPages[slot] += Math.Max(0, pool.Total);
            }
        }

        CapacityPages[0] = Math.Max(0, node.MemoryBytes - hugeBytes) / slotPageBytes[0];
        TotalPages[0] = CapacityPages[0];
    }

    public int Local { get; }

    public int Rank { get; }

    public int Id { get; }

    /// <summary>Online CPUs, ascending; every other CPU array here holds indexes into this one.</summary>
    public int[] Cpus { get; }

    public bool[] Reserved { get; }

    /// <summary>CPUs not in reservedCpus: the most this node can ever give VMs.</summary>
    public int UsableCpuCount { get; }

    public int[][] Cores { get; }

    public long[] CapacityPages { get; }

    /// <summary>Per slot, the pools' totals (nr_hugepages): what recorded placements together may never exceed.</summary>
    public long[] TotalPages { get; }

    public int LocalCpuIndex(int cpu) => Array.BinarySearch(Cpus, cpu);
}
