namespace NumaOperator.Numa.Placement;

/// <summary>
/// How allocated each node is, per page size, for the <see cref="PackingPolicy.Pack"/> and
/// <see cref="PackingPolicy.Spread"/> searches. A node's free share in slot s is
/// free CPUs / usable CPUs + free pages / page capacity (0 = full, 2 = idle). Per slot, the nodes that could take
/// a VM of that page size (capacity in the slot and a free CPU) are kept sorted by (free share, node index), so
/// Pack walks up from the fullest and Spread down from the idlest, and both stop once no later node can win.
/// Owned and updated by the <see cref="PlacementLedger"/>.
/// </summary>
internal sealed class NodeAllocationIndex
{
    /// <summary>Bits of a key holding the node index; the rest hold the free share in units of <see cref="Quantum"/>.</summary>
    internal const int NodeBits = 24;

    /// <summary>Free shares are indexed rounded down to multiples of this (2^-30), so an indexed share is at most one quantum below the true one.</summary>
    internal const double Quantum = 1.0 / (1 << 30);

    internal const long NodeMask = (1L << NodeBits) - 1;

    /// <summary>The lowest key of a node with its full free share (2: every usable CPU and every page free), as every idle node has.</summary>
    internal static readonly long IdleKey = (long)Math.Floor(2.0 / Quantum) << NodeBits;

    private readonly ClusterSnapshot _snapshot;
    private readonly long[][] _usedPages; // [node][slot]
    private readonly int[] _pinnedCpus; // [node]
    private readonly int[] _vms; // [node]: placements recorded on it
    private readonly SortedKeyIndex[] _index; // [slot]
    private readonly long[][] _indexedKey; // [slot][node], -1 when not indexed

    public NodeAllocationIndex(ClusterSnapshot snapshot)
    {
        if (snapshot.NodeCount >= 1 << NodeBits)
        {
            throw new ArgumentException($"the ledger indexes at most {1 << NodeBits} nodes", nameof(snapshot));
        }

        _snapshot = snapshot;
        var slots = snapshot.SlotPageBytes.Length;
        _usedPages = new long[snapshot.NodeCount][];
        _pinnedCpus = new int[snapshot.NodeCount];
        _vms = new int[snapshot.NodeCount];
        _index = new SortedKeyIndex[slots];
        _indexedKey = new long[slots][];
        for (var s = 0; s < slots; s++)
        {
            _index[s] = new SortedKeyIndex();
            _indexedKey[s] = new long[snapshot.NodeCount];
            Array.Fill(_indexedKey[s], -1L);
        }

        for (var n = 0; n < snapshot.NodeCount; n++)
        {
            _usedPages[n] = new long[slots];
            Reindex(n);
        }
    }

    public SortedKeyIndex IndexOf(int slot) => _index[slot];

    public long FreePages(int node, int slot) => _snapshot.Nodes[node].CapacityPages[slot] - _usedPages[node][slot];

    public int FreeCpus(int node) => _snapshot.Nodes[node].UsableCpuCount - _pinnedCpus[node];

    /// <summary>The node's free share in <paramref name="slot"/> once <paramref name="pages"/> pages and <paramref name="cpus"/> pinned CPUs more are taken.</summary>
    public double FreeShareAfter(int node, int slot, long pages, int cpus)
    {
        var info = _snapshot.Nodes[node];
        return ((double)(FreePages(node, slot) - pages) / info.CapacityPages[slot]) + ((double)(FreeCpus(node) - cpus) / info.UsableCpuCount);
    }

    /// <summary>The most one VM of <paramref name="pages"/> pages and <paramref name="cpus"/> pinned CPUs can lower any node's free share.</summary>
    public double MostShareTaken(int slot, long pages, int cpus) =>
        ((double)pages / _snapshot.LeastNodeCapacityPages[slot]) + ((double)cpus / _snapshot.LeastNodeUsableCpus);

    /// <summary>True when no VM is placed on the node.</summary>
    public bool IsIdle(int node) => _vms[node] == 0;

    /// <summary>Records (<paramref name="sign"/> +1) or releases (-1) one placement.</summary>
    /// <summary>The least one VM of <paramref name="pages"/> pages and <paramref name="cpus"/> pinned CPUs lowers any node's free share.</summary>
    public double LeastShareTaken(int slot, long pages, int cpus) =>
        ((double)pages / Math.Max(1, _snapshot.MostNodeCapacityPages[slot])) + ((double)cpus / Math.Max(1, _snapshot.MostNodeUsableCpus));

    public void Apply(int node, int slot, long pages, int pinnedCpus, int sign)
    {
        _vms[node] += sign;
        _usedPages[node][slot] += pages;
        _pinnedCpus[node] += pinnedCpus;
        Reindex(node);
    }

    private void Reindex(int node)
    {
        var info = _snapshot.Nodes[node];
        for (var s = 0; s < _index.Length; s++)
        {
            var wanted = info.CapacityPages[s] > 0 && FreeCpus(node) > 0
                ? ((long)Math.Floor(FreeShareAfter(node, s, 0, 0) / Quantum) << NodeBits) | (long)node
                : -1L;
            _index[s].Replace(_indexedKey[s][node], wanted);
            _indexedKey[s][node] = wanted;
        }
    }
}
