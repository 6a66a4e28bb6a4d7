using NumaOperator.Numa.Quantities;

namespace NumaOperator.Numa.Placement;

/// <summary>
/// What is promised where: per node, host NUMA node and page size the pages placed VMs hold, and every pinned
/// host CPU. Capacity comes from the <see cref="ClusterSnapshot"/> (see its remarks). The ledger refuses any
/// placement that would exceed a capacity or pin a CPU twice (or a reserved one), so it never double-books;
/// <see cref="Release"/> gives back exactly what <see cref="TryPlace"/> took. It is rebuilt from the VMs'
/// recorded placements after a restart (<see cref="Rebuild"/>). Not thread-safe: one scheduler owns it.
/// </summary>
public sealed class PlacementLedger
{
    /// <summary>Bits of an index key holding the NUMA rank; the rest hold the free page count.</summary>
    internal const int RankBits = 24;

    private readonly long[][] _usedPages; // [rank][slot]
    private readonly bool[][] _pinned; // [rank][local cpu]
    private readonly int[] _freeCpus; // [rank]: usable CPUs not pinned
    private readonly int[] _floatingGuestNodes; // [rank]: guest nodes of non-dedicated VMs living there
    private readonly SortedKeyIndex[] _index; // [slot]
    private readonly long[][] _indexedKey; // [slot][rank], -1 when not indexed
    private readonly Dictionary<string, Recorded> _placements = new(StringComparer.Ordinal);

    public PlacementLedger(ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.NumaNodeCount >= 1 << RankBits)
        {
            throw new ArgumentException($"the ledger indexes at most {1 << RankBits} host NUMA nodes", nameof(snapshot));
        }

        Snapshot = snapshot;
        Allocation = new NodeAllocationIndex(snapshot);
        var ranks = snapshot.NumaNodeCount;
        var slots = snapshot.SlotPageBytes.Length;
        _usedPages = new long[ranks][];
        _pinned = new bool[ranks][];
        _freeCpus = new int[ranks];
        _floatingGuestNodes = new int[ranks];
        _index = new SortedKeyIndex[slots];
        _indexedKey = new long[slots][];
        for (var s = 0; s < slots; s++)
        {
            _index[s] = new SortedKeyIndex();
            _indexedKey[s] = new long[ranks];
            Array.Fill(_indexedKey[s], -1L);
        }

        for (var r = 0; r < ranks; r++)
        {
            var numa = NumaAt(r);
            _usedPages[r] = new long[slots];
            _pinned[r] = new bool[numa.Cpus.Length];
            _freeCpus[r] = numa.UsableCpuCount;
            Reindex(r);
        }
    }

    public ClusterSnapshot Snapshot { get; }

    /// <summary>Per node and page size, how allocated the node is (the packing policies' view).</summary>
    internal NodeAllocationIndex Allocation { get; }

    public int Count => _placements.Count;

    public IEnumerable<KeyValuePair<string, VmPlacement>> Placements =>
        _placements.Select(p => new KeyValuePair<string, VmPlacement>(p.Key, p.Value.Placement));

    /// <summary>
    /// A ledger holding the recorded placements, in the given order. A placement that would double-book (or names a
    /// node, NUMA node, page size or CPU the snapshot does not have) is left out and reported in <paramref name="conflicts"/>.
    /// </summary>
    /// <param name="pagesMayExceedCapacity">
    /// True when capacity is what the host has free now (the controller): a recorded placement whose pages were taken
    /// since it was decided is still recorded (its pool then shows no free page; the node's pre-flight judges it), as
    /// long as the placements together fit the pool's total.
    /// </param>
    public static PlacementLedger Rebuild(
        ClusterSnapshot snapshot,
        IEnumerable<KeyValuePair<string, VmPlacement>> existing,
        out IReadOnlyList<LedgerConflict> conflicts,
        bool pagesMayExceedCapacity = false)
    {
        ArgumentNullException.ThrowIfNull(existing);
        var ledger = new PlacementLedger(snapshot);
        var refused = new List<LedgerConflict>();
        foreach (var (key, placement) in existing)
        {
            if (!ledger.Add(key, placement, checkPages: !pagesMayExceedCapacity, out var reason))
            {
                refused.Add(new LedgerConflict(key, reason));
            }
        }

        conflicts = refused;
        return ledger;
    }

    public bool Contains(string key) => _placements.ContainsKey(key);

    public VmPlacement? PlacementOf(string key) => _placements.TryGetValue(key, out var r) ? r.Placement : null;

    /// <summary>Records a placement, or says why it cannot be recorded without double-booking (and records nothing).</summary>
    public bool TryPlace(string key, VmPlacement placement, out string reason) => Add(key, placement, checkPages: true, out reason);

    /// <summary>
    /// Records a placement decided earlier (status.placement) that may hold more pages than are free now (a pod took
    /// them since), though never more than the pool's total beside the other placements; or says why it cannot be
    /// recorded (pages of the pool placed twice, a CPU pinned twice or reserved, a node, NUMA node or page size the
    /// snapshot lacks).
    /// </summary>
    public bool TryRecord(string key, VmPlacement placement, out string reason) => Add(key, placement, checkPages: false, out reason);

    private bool Add(string key, VmPlacement placement, bool checkPages, out string reason)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(placement);
        Recorded? recorded = null;
        var refusal = _placements.ContainsKey(key) ? $"{key} is already placed" : Resolve(placement, checkPages, out recorded);
        if (refusal is not null)
        {
            reason = refusal;
            return false;
        }

        Apply(recorded!, +1);
        _placements.Add(key, recorded!);
        reason = string.Empty;
        return true;
    }

    /// <summary>The placement in the snapshot's terms (node, slot, ranks, pages, local CPUs), or why it cannot be recorded.</summary>
    private string? Resolve(VmPlacement placement, bool checkPages, out Recorded? recorded)
    {
        recorded = null;
        var nodeIndex = Snapshot.IndexOf(placement.NodeName);
        if (nodeIndex < 0)
        {
            return $"node \"{placement.NodeName}\" has no NumaNodeTopology";
        }

        var node = Snapshot.Nodes[nodeIndex];
        var slot = Snapshot.SlotOf(placement.PageSize.Bytes);
        if (slot < 0 || placement.PageSize.IsHuge != (slot > 0))
        {
            return $"page size {placement.PageSize} is not offered by any node";
        }

        var count = placement.GuestNodes.Count;
        var ranks = new int[count];
        var pages = new long[count];
        var cpus = new int[count][];
        for (var g = 0; g < count; g++)
        {
            if (ResolveGuestNode(placement, node, slot, g, checkPages, ranks, pages, cpus) is { } refusal)
            {
                return refusal;
            }
        }

        recorded = new Recorded(placement, nodeIndex, slot, ranks, pages, cpus);
        return null;
    }

    /// <summary>Fills guest node <paramref name="g"/>'s rank, pages and local CPUs, or says why its host NUMA node cannot take it.</summary>
    private string? ResolveGuestNode(VmPlacement placement, SnapshotNode node, int slot, int g, bool checkPages, int[] ranks, long[] pages, int[][] cpus)
    {
        var guest = placement.GuestNodes[g];
        var local = node.LocalIndexOf(guest.HostNode);
        if (local < 0)
        {
            return $"node {node.Name} has no host NUMA node {guest.HostNode}";
        }

        var numa = node.Numa[local];
        ranks[g] = numa.Rank;
        if (Array.IndexOf(ranks, numa.Rank, 0, g) >= 0)
        {
            return $"two guest nodes are placed on host NUMA node {guest.HostNode} of {node.Name}";
        }

        var pageBytes = Snapshot.SlotPageBytes[slot];
        if (guest.MemoryBytes <= 0 || guest.MemoryBytes % pageBytes != 0)
        {
            return $"guest node {guest.GuestNode} memory {guest.MemoryBytes} bytes is not a whole number of {placement.PageSize} pages";
        }

        pages[g] = guest.MemoryBytes / pageBytes;
        if (checkPages && pages[g] > FreePagesAt(numa.Rank, slot))
        {
            return $"host NUMA node {guest.HostNode} of {node.Name} has {FreePagesAt(numa.Rank, slot)} free {placement.PageSize} pages, {pages[g]} asked";
        }

        var unpromised = numa.TotalPages[slot] - _usedPages[numa.Rank][slot];
        if (!checkPages && pages[g] > unpromised)
        {
            return $"host NUMA node {guest.HostNode} of {node.Name} has {Math.Max(0, unpromised)} of its {numa.TotalPages[slot]} {placement.PageSize} pages not placed, {pages[g]} asked";
        }

        return ResolveCpus(guest, node, numa, out cpus[g]);
    }

    /// <summary>The guest node's host CPUs as indexes into its host NUMA node, or why one of them cannot be pinned.</summary>
    private string? ResolveCpus(GuestNodePlacement guest, SnapshotNode node, SnapshotNumaNode numa, out int[] locals)
    {
        locals = new int[guest.HostCpus.Count];
        for (var c = 0; c < guest.HostCpus.Count; c++)
        {
            var cpu = guest.HostCpus[c];
            var localCpu = numa.LocalCpuIndex(cpu);
            if (localCpu < 0)
            {
                return $"host CPU {cpu} is not on host NUMA node {guest.HostNode} of {node.Name}";
            }

            if (numa.Reserved[localCpu])
            {
                return $"host CPU {cpu} of {node.Name} is in reservedCpus";
            }

            if (_pinned[numa.Rank][localCpu])
            {
                return $"host CPU {cpu} of {node.Name} is already pinned";
            }

            locals[c] = localCpu;
        }

        return null;
    }

    /// <summary>Records a placement the engine chose against this ledger.</summary>
    /// <exception cref="InvalidOperationException">It would double-book; the message says what.</exception>
    public void Place(string key, VmPlacement placement)
    {
        if (!TryPlace(key, placement, out var reason))
        {
            throw new InvalidOperationException($"cannot record the placement of {key}: {reason}");
        }
    }

    /// <summary>Gives back exactly the pages and CPUs of <paramref name="key"/>'s placement; false when it holds none.</summary>
    public bool Release(string key)
    {
        if (!_placements.Remove(key, out var recorded))
        {
            return false;
        }

        Apply(recorded, -1);
        return true;
    }

    public long CapacityPages(string nodeName, int hostNode, PageSize pageSize) =>
        Locate(nodeName, hostNode, pageSize, out var rank, out var slot) ? NumaAt(rank).CapacityPages[slot] : 0;

    public long UsedPages(string nodeName, int hostNode, PageSize pageSize) =>
        Locate(nodeName, hostNode, pageSize, out var rank, out var slot) ? _usedPages[rank][slot] : 0;

    public long FreePages(string nodeName, int hostNode, PageSize pageSize) =>
        Locate(nodeName, hostNode, pageSize, out var rank, out var slot) ? FreePagesAt(rank, slot) : 0;

    /// <summary>Host CPUs of <paramref name="nodeName"/> pinned to some VM.</summary>
    public CpuSet PinnedCpus(string nodeName)
    {
        var index = Snapshot.IndexOf(nodeName);
        if (index < 0)
        {
            return CpuSet.Empty;
        }

        var pinned = new List<int>();
        foreach (var numa in Snapshot.Nodes[index].Numa)
        {
            for (var c = 0; c < numa.Cpus.Length; c++)
            {
                if (_pinned[numa.Rank][c])
                {
                    pinned.Add(numa.Cpus[c]);
                }
            }
        }

        return CpuSet.Of(pinned);
    }

    internal SortedKeyIndex IndexOf(int slot) => _index[slot];

    /// <summary>Never negative: recorded placements may hold more than a pool offers now (<see cref="TryRecord"/>).</summary>
    internal long FreePagesAt(int rank, int slot) => Math.Max(0, NumaAt(rank).CapacityPages[slot] - _usedPages[rank][slot]);

    internal int FreeCpusAt(int rank) => _freeCpus[rank];

    internal int FloatingGuestNodesAt(int rank) => _floatingGuestNodes[rank];

    internal bool IsPinnedAt(int rank, int localCpu) => _pinned[rank][localCpu];

    private SnapshotNumaNode NumaAt(int rank)
    {
        var (node, numa) = Snapshot.NumaByRank[rank];
        return Snapshot.Nodes[node].Numa[numa];
    }

    private bool Locate(string nodeName, int hostNode, PageSize pageSize, out int rank, out int slot)
    {
        rank = -1;
        slot = Snapshot.SlotOf(pageSize.Bytes);
        var index = Snapshot.IndexOf(nodeName);
        if (index < 0 || slot < 0)
        {
            return false;
        }

        var local = Snapshot.Nodes[index].LocalIndexOf(hostNode);
        if (local < 0)
        {
            return false;
        }

        rank = Snapshot.Nodes[index].Numa[local].Rank;
        return true;
    }

    private void Apply(Recorded recorded, int sign)
    {
        Allocation.Apply(recorded.Node, recorded.Slot, sign * recorded.Pages.Sum(), sign * recorded.LocalCpus.Sum(c => c.Length), sign);
        for (var g = 0; g < recorded.Ranks.Length; g++)
        {
            var rank = recorded.Ranks[g];
            _usedPages[rank][recorded.Slot] += sign * recorded.Pages[g];
            var cpus = recorded.LocalCpus[g];
            if (cpus.Length == 0)
            {
                _floatingGuestNodes[rank] += sign;
            }

            foreach (var c in cpus)
            {
                _pinned[rank][c] = sign > 0;
            }

            _freeCpus[rank] -= sign * cpus.Length;
            Reindex(rank);
        }
    }

    /// <summary>Keeps the per-page-size indexes in step with one NUMA node: indexed while it has a free CPU.</summary>
    private void Reindex(int rank)
    {
        var capacities = NumaAt(rank).CapacityPages;
        for (var s = 0; s < _index.Length; s++)
        {
            var wanted = capacities[s] > 0 && _freeCpus[rank] > 0 ? (FreePagesAt(rank, s) << RankBits) | (long)rank : -1L;
            _index[s].Replace(_indexedKey[s][rank], wanted);
            _indexedKey[s][rank] = wanted;
        }
    }

    private sealed record Recorded(VmPlacement Placement, int Node, int Slot, int[] Ranks, long[] Pages, int[][] LocalCpus);
}
