using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;

namespace NumaOperator.Numa.Tests.Placement;

/// <summary>
/// Random topologies and random place/release sequences (seeded, so a failure replays): after every step the
/// ledger's books are recomputed independently from its placements and the topology, and every decision is
/// checked against the rules and against a brute-force search for the documented best score (NumaBestFit here;
/// PackingPolicyPropertyTests does the same for the node-level policies).
/// </summary>
public class PlacementPropertyTests
{
    private static readonly string[] Zones = ["a", "b"];

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 12)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Never_double_books_and_release_restores_capacity_exactly(int seed)
    {
        var random = new Random(seed);
        var nodes = RandomCluster(random);
        var ledger = new PlacementLedger(new ClusterSnapshot(nodes));
        var live = new List<string>();
        for (var step = 0; step < 300; step++)
        {
            if (live.Count > 0 && random.Next(3) == 0)
            {
                var key = live[random.Next(live.Count)];
                live.Remove(key);
                Assert.True(ledger.Release(key));
            }
            else
            {
                var request = RandomRequest(random, $"ns/vm-{step}");
                var before = Books(ledger, nodes);
                var expected = BruteForceBest(ledger, nodes, request);
                var decision = PlacementEngine.Decide(ledger, request, PackingPolicy.NumaBestFit);
                Assert.Equal(before, Books(ledger, nodes)); // deciding is pure
                if (decision is PlacementDecision.Placed placed)
                {
                    AssertFollowsTheRules(nodes, request, placed.Placement);
                    Assert.True(expected is not null, $"seed {seed} step {step}: placed {request.Key}, brute force found no fit");
                    Assert.Equal(expected.Value, Score(nodes, request, placed.Placement, ledger));
                    ledger.Place(request.Key, placed.Placement);

                    // Placing then releasing at once must restore the books exactly.
                    if (random.Next(4) == 0)
                    {
                        Assert.True(ledger.Release(request.Key));
                        Assert.Equal(before, Books(ledger, nodes));
                        continue;
                    }

                    live.Add(request.Key);
                }
                else
                {
                    Assert.True(expected is null, $"seed {seed} step {step}: {request.Key} not placed but brute force fits it on {expected}");
                }
            }

            AssertBooksBalance(ledger, nodes);
        }

        foreach (var key in live)
        {
            Assert.True(ledger.Release(key));
        }

        Assert.Equal(0, ledger.Count);
        foreach (var node in nodes)
        {
            Assert.True(ledger.PinnedCpus(node.Name).IsEmpty);
            foreach (var numa in node.Topology.NumaNodes)
            {
                Assert.Equal(Capacity(numa, PageSize.Huge2Mi), ledger.FreePages(node.Name, numa.Id, PageSize.Huge2Mi));
                Assert.Equal(Capacity(numa, PageSize.Huge1Gi), ledger.FreePages(node.Name, numa.Id, PageSize.Huge1Gi));
                Assert.Equal(Capacity(numa, PageSize.Normal), ledger.FreePages(node.Name, numa.Id, PageSize.Normal));
            }
        }
    }

    internal static List<ClusterNode> RandomCluster(Random random)
    {
        var nodes = new List<ClusterNode>();
        var count = random.Next(1, 6);
        for (var n = 0; n < count; n++)
        {
            var numaCount = random.Next(1, 5);
            var smt = random.Next(1, 3);
            var numa = new List<HostNumaNode>();
            var cpu = 0;
            for (var id = 0; id < numaCount; id++)
            {
                var memoryOnly = numaCount > 1 && random.Next(6) == 0;
                var cores = memoryOnly ? 0 : random.Next(1, 7);
                var coreSets = Enumerable.Range(0, cores).Select(c => CpuSet.Of(Enumerable.Range(cpu + (c * smt), smt))).ToList();
                var cpus = CpuSet.Of(Enumerable.Range(cpu, cores * smt));
                cpu += cores * smt;
                var memory = random.Next(8, 65) * TestCluster.Gi;
                var pages2Mi = random.Next(0, (int)(memory / 2 / (2L << 20)));
                var pages1Gi = random.Next(0, 4);
                numa.Add(new HostNumaNode(
                    id,
                    cpus,
                    coreSets,
                    memory,
                    [new HugepagePool(PageSize.Huge2Mi, pages2Mi, pages2Mi), new HugepagePool(PageSize.Huge1Gi, pages1Gi, pages1Gi)],
                    [.. Enumerable.Range(0, numaCount).Select(j => j == id ? 10 : 10 + random.Next(1, 4) * 5)]));
            }

            var reserved = cpu > 0 && random.Next(2) == 0 ? CpuSet.Of(0) : CpuSet.Empty;
            var labels = new Dictionary<string, string> { ["zone"] = Zones[random.Next(Zones.Length)] };
            nodes.Add(new ClusterNode($"node-{n}", labels, new HostTopology(numa), reserved));
        }

        return nodes;
    }

    internal static VmRequest RandomRequest(Random random, string key)
    {
        var guestNodes = random.Next(4) == 0 ? 2 : 1;
        var pageSize = random.Next(10) switch
        {
            < 6 => PageSize.Huge2Mi,
            < 8 => PageSize.Huge1Gi,
            _ => PageSize.Normal,
        };
        var unit = pageSize == PageSize.Huge1Gi ? TestCluster.Gi : 512L << 20;
        var memory = random.Next(1, 9) * unit * guestNodes;
        var vcpus = random.Next(guestNodes, 7);
        var allowed = random.Next(5) == 0 ? CpuSet.Of(random.Next(0, 3), random.Next(0, 3)) : null;
        if (allowed is not null && allowed.Count < guestNodes)
        {
            allowed = null;
        }

        var selector = random.Next(5) == 0 ? new Dictionary<string, string> { ["zone"] = Zones[random.Next(Zones.Length)] } : [];
        return new VmRequest(key, vcpus, random.Next(2) == 0, memory, pageSize, allowed, guestNodes, NumaPolicy.Strict, selector);
    }

    /// <summary>Independent capacity: a pool's Total; ordinary pages are MemTotal minus every pool's memory.</summary>
    private static long Capacity(HostNumaNode numa, PageSize pageSize) =>
        pageSize.IsHuge
            ? numa.Hugepages.Where(p => p.PageSize.Bytes == pageSize.Bytes).Sum(p => p.Total)
            : Math.Max(0, numa.MemoryBytes - numa.Hugepages.Sum(p => p.Total * p.PageSize.Bytes)) / 4096;

    /// <summary>Free pages per (node, NUMA node, page size) and pinned CPUs per node, as the ledger reports them.</summary>
    private static string Books(PlacementLedger ledger, List<ClusterNode> nodes) =>
        string.Join("|", nodes.SelectMany(n => n.Topology.NumaNodes.Select(numa =>
            $"{n.Name}/{numa.Id}:{ledger.FreePages(n.Name, numa.Id, PageSize.Huge2Mi)},{ledger.FreePages(n.Name, numa.Id, PageSize.Huge1Gi)},{ledger.FreePages(n.Name, numa.Id, PageSize.Normal)}"))
            .Concat(nodes.Select(n => $"{n.Name}:{ledger.PinnedCpus(n.Name)}")));

    /// <summary>Recomputes every sum from the placements alone and checks the invariants and the ledger's own figures.</summary>
    internal static void AssertBooksBalance(PlacementLedger ledger, List<ClusterNode> nodes)
    {
        var pages = new Dictionary<(string, int, long), long>();
        var pinned = new Dictionary<(string, int), string>();
        foreach (var (key, placement) in ledger.Placements)
        {
            foreach (var guest in placement.GuestNodes)
            {
                var slot = (placement.NodeName, guest.HostNode, placement.PageSize.Bytes);
                pages[slot] = pages.GetValueOrDefault(slot) + (guest.MemoryBytes / placement.PageSize.Bytes);
                foreach (var cpu in guest.HostCpus)
                {
                    Assert.True(pinned.TryAdd((placement.NodeName, cpu), key), $"CPU {cpu} of {placement.NodeName} pinned to {key} and {pinned.GetValueOrDefault((placement.NodeName, cpu))}");
                }
            }
        }

        foreach (var node in nodes)
        {
            foreach (var numa in node.Topology.NumaNodes)
            {
                foreach (var size in new[] { PageSize.Huge2Mi, PageSize.Huge1Gi, PageSize.Normal })
                {
                    var used = pages.GetValueOrDefault((node.Name, numa.Id, size.Bytes));
                    Assert.True(used <= Capacity(numa, size), $"{node.Name}/{numa.Id} {size}: {used} pages placed, {Capacity(numa, size)} offered");
                    Assert.Equal(Capacity(numa, size) - used, ledger.FreePages(node.Name, numa.Id, size));
                }
            }

            Assert.False(ledger.PinnedCpus(node.Name).Overlaps(node.ReservedCpus));
            Assert.Equal(CpuSet.Of(pinned.Keys.Where(k => k.Item1 == node.Name).Select(k => k.Item2)), ledger.PinnedCpus(node.Name));
        }
    }

    internal static void AssertFollowsTheRules(List<ClusterNode> nodes, VmRequest request, VmPlacement placement)
    {
        var node = nodes.Single(n => n.Name == placement.NodeName);
        Assert.All(request.NodeSelector, kv => Assert.Equal(kv.Value, node.Labels[kv.Key]));
        Assert.Equal(request.GuestNodes, placement.GuestNodes.Count);
        Assert.Equal(request.GuestNodes, placement.HostNodes.Count);
        Assert.Equal(request.PageSize, placement.PageSize);
        Assert.Equal(request.MemoryBytes, placement.MemoryBytes);
        for (var g = 0; g < placement.GuestNodes.Count; g++)
        {
            var guest = placement.GuestNodes[g];
            var numa = node.Topology.Node(guest.HostNode)!;
            Assert.False(numa.IsMemoryOnly);
            Assert.True(request.AllowedHostNodes?.Contains(guest.HostNode) ?? true);
            Assert.Equal(request.VcpuIndexesOf(g), guest.Vcpus);
            Assert.Equal(request.DedicatedCpus ? request.VcpusOf(g) : 0, guest.HostCpus.Count);
            Assert.True(guest.HostCpus.IsSubsetOf(numa.Cpus), $"host CPUs {guest.HostCpus} not on NUMA node {numa.Id} ({numa.Cpus})");
        }
    }

    private static long RoundTrip(ClusterNode node, int a, int b) => (node.Topology.Distance(a, b) ?? 0) + (node.Topology.Distance(b, a) ?? 0);

    /// <summary>The documented score of a placement: (pages left, distance sum, node name).</summary>
    private static (long Left, long Distance, string Node) Score(List<ClusterNode> nodes, VmRequest request, VmPlacement placement, PlacementLedger ledger)
    {
        var node = nodes.Single(n => n.Name == placement.NodeName);
        var demand = request.MemoryPerGuestNode / request.PageSize.Bytes;
        var ids = placement.GuestNodes.Select(g => g.HostNode).ToList();
        var left = ids.Sum(id => ledger.FreePages(node.Name, id, request.PageSize) - demand);
        long distance = 0;
        for (var a = 0; a < ids.Count; a++)
        {
            for (var b = a + 1; b < ids.Count; b++)
            {
                distance += RoundTrip(node, ids[a], ids[b]);
            }
        }

        return (left, distance, node.Name);
    }

    /// <summary>
    /// Every node, every set of host NUMA nodes that satisfies the rules (from the ledger's public figures and its
    /// placements), scored; the minimum over nodes of each node's greedy choice (pages left, then distance to those
    /// chosen, then id; the documented within-node rule), compared across nodes by (pages left, distance, name).
    /// </summary>
    private static (long Left, long Distance, string Node)? BruteForceBest(PlacementLedger ledger, List<ClusterNode> nodes, VmRequest request)
    {
        (long, long, string)? best = null;
        foreach (var node in nodes.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            if (GreedyChoice(ledger, node, request) is not { } chosen)
            {
                continue;
            }

            var k = request.GuestNodes;
            long distance = 0;
            for (var a = 0; a < k; a++)
            {
                for (var b = a + 1; b < k; b++)
                {
                    distance += RoundTrip(node, chosen[a].Numa.Id, chosen[b].Numa.Id);
                }
            }

            var score = (chosen.Sum(c => c.Left), distance, node.Name);
            if (best is null || score.CompareTo(best.Value) < 0)
            {
                best = score;
            }
        }

        return best;
    }

    /// <summary>The host NUMA nodes the documented tightest-first greedy rule picks on <paramref name="node"/>, or null when it does not fit.</summary>
    internal static List<(HostNumaNode Numa, long Left, int Cpus)>? GreedyChoice(PlacementLedger ledger, ClusterNode node, VmRequest request)
    {
        var demand = request.MemoryPerGuestNode / request.PageSize.Bytes;
        var floating = ledger.Placements.SelectMany(p => p.Value.GuestNodes.Where(g => g.HostCpus.IsEmpty).Select(g => (p.Value.NodeName, g.HostNode))).ToHashSet();
        if (request.NodeSelector.Any(kv => !node.Labels.TryGetValue(kv.Key, out var v) || v != kv.Value))
        {
            return null;
        }

        var pinned = ledger.PinnedCpus(node.Name);
        var candidates = new List<(HostNumaNode Numa, long Left, int Cpus)>();
        foreach (var numa in node.Topology.NumaNodes)
        {
            var free = ledger.FreePages(node.Name, numa.Id, request.PageSize);
            var freeCpus = numa.Cpus.Except(node.ReservedCpus).Except(pinned).Count;
            var spare = freeCpus - (floating.Contains((node.Name, numa.Id)) ? 1 : 0);
            var usable = numa.Cpus.Except(node.ReservedCpus).Count > 0;
            if ((request.AllowedHostNodes?.Contains(numa.Id) ?? true) && free >= demand && usable && (request.DedicatedCpus ? spare >= request.VcpusOf(request.GuestNodes - 1) : freeCpus >= 1))
            {
                candidates.Add((numa, free - demand, request.DedicatedCpus ? spare : int.MaxValue));
            }
        }

        var k = request.GuestNodes;
        var big = request.Vcpus % k;
        var chosen = new List<(HostNumaNode Numa, long Left, int Cpus)>();
        for (var step = 0; step < k; step++)
        {
            var needBig = big - chosen.Count(c => c.Cpus >= request.VcpusOf(0)) >= k - step && big > 0;
            var pick = candidates
                .Where(c => !chosen.Contains(c) && (!needBig || c.Cpus >= request.VcpusOf(0)))
                .Select(c => (c, Distance: chosen.Sum(o => RoundTrip(node, o.Numa.Id, c.Numa.Id))))
                .OrderBy(x => x.c.Left).ThenBy(x => x.Distance).ThenBy(x => x.c.Numa.Id)
                .Cast<((HostNumaNode Numa, long Left, int Cpus) c, long Distance)?>()
                .FirstOrDefault();
            if (pick is null)
            {
                chosen.Clear();
                break;
            }

            chosen.Add(pick.Value.c);
        }

        return chosen.Count != k || chosen.Count(c => c.Cpus >= request.VcpusOf(0)) < big ? null : chosen;
    }
}
