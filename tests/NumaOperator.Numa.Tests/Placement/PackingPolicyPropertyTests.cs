using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Numa.Tests.Placement;

/// <summary>
/// The node-level policies against a brute force of their documented rules, on the random clusters and place/release
/// sequences of <see cref="PlacementPropertyTests"/>: every node scored from the ledger's public figures alone, the
/// winner picked by the rule, compared with the engine's indexed search (which stops early).
/// </summary>
public class PackingPolicyPropertyTests
{
    private const double Quantum = 1.0 / (1 << 30);

    public static TheoryData<PackingPolicy, int> Cases()
    {
        var cases = new TheoryData<PackingPolicy, int>();
        foreach (var policy in new[] { PackingPolicy.Consolidate, PackingPolicy.Pack, PackingPolicy.Spread })
        {
            foreach (var seed in Enumerable.Range(1, 8))
            {
                cases.Add(policy, seed);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_decision_is_the_node_the_policy_rule_picks(PackingPolicy policy, int seed)
    {
        var random = new Random(seed);
        var nodes = PlacementPropertyTests.RandomCluster(random);
        var ledger = new PlacementLedger(new ClusterSnapshot(nodes));
        var live = new List<string>();
        for (var step = 0; step < 300; step++)
        {
            if (live.Count > 0 && random.Next(3) == 0)
            {
                var key = live[random.Next(live.Count)];
                live.Remove(key);
                Assert.True(ledger.Release(key));
                continue;
            }

            var request = PlacementPropertyTests.RandomRequest(random, $"ns/vm-{step}");
            var expected = BruteForceNode(ledger, nodes, request, policy);
            var decision = PlacementEngine.Decide(ledger, request, policy);
            if (decision is PlacementDecision.Placed placed)
            {
                PlacementPropertyTests.AssertFollowsTheRules(nodes, request, placed.Placement);
                Assert.True(expected == placed.Placement.NodeName, $"seed {seed} step {step}: {policy} placed {request.Key} on {placed.Placement.NodeName}, the rule picks {expected}");
                ledger.Place(request.Key, placed.Placement);
                live.Add(request.Key);
            }
            else
            {
                Assert.True(expected is null, $"seed {seed} step {step}: {request.Key} not placed but it fits {expected}");
            }

            PlacementPropertyTests.AssertBooksBalance(ledger, nodes);
        }
    }

    /// <summary>The node the documented rule picks among the nodes that fit (feasibility from the brute force of PlacementPropertyTests).</summary>
    private static string? BruteForceNode(PlacementLedger ledger, List<ClusterNode> nodes, VmRequest request, PackingPolicy policy)
    {
        var pages = request.MemoryBytes / request.PageSize.Bytes;
        var cpus = request.DedicatedCpus ? request.Vcpus : 0;
        var scored = nodes.OrderBy(n => n.Name, StringComparer.Ordinal)
            .Where(n => PlacementPropertyTests.GreedyChoice(ledger, n, request) is not null)
            .Select(n => (n.Name, After: Share(ledger, n, request.PageSize, pages, cpus), Before: Math.Floor(Share(ledger, n, request.PageSize, 0, 0) / Quantum), Idle: ledger.Placements.All(p => p.Value.NodeName != n.Name)))
            .ToList();
        if (scored.Count == 0)
        {
            return null;
        }

        return policy switch
        {
            // Least allocated after placing; equal: idler before placing, then the lower name (list order).
            PackingPolicy.Spread => scored.OrderByDescending(s => s.After).ThenByDescending(s => s.Before).First().Name,
            PackingPolicy.Pack => scored.OrderBy(s => s.After).ThenBy(s => s.Before).First().Name,
            _ => scored.Any(s => !s.Idle)
                ? scored.Where(s => !s.Idle).OrderByDescending(s => s.After).ThenByDescending(s => s.Before).First().Name
                : scored.OrderByDescending(s => s.After).First().Name,
        };
    }

    /// <summary>Free CPU share + free page share of the node once the VM's pages and pinned CPUs are taken.</summary>
    private static double Share(PlacementLedger ledger, ClusterNode node, PageSize pageSize, long pages, int cpus)
    {
        var capacity = node.Topology.NumaNodes.Sum(n => ledger.CapacityPages(node.Name, n.Id, pageSize));
        var free = node.Topology.NumaNodes.Sum(n => ledger.FreePages(node.Name, n.Id, pageSize));
        var usable = node.Topology.NumaNodes.Sum(n => n.Cpus.Except(node.ReservedCpus).Count);
        var freeCpus = usable - ledger.PinnedCpus(node.Name).Count;
        return ((double)(free - pages) / capacity) + ((double)(freeCpus - cpus) / usable);
    }
}
