using System.Diagnostics;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using static NumaOperator.Numa.Tests.Placement.TestCluster;

namespace NumaOperator.Numa.Tests.Placement;

public class PlacementEngineTests
{
    [Fact]
    public void Places_memory_on_a_host_node_with_enough_free_pages_of_the_requested_size()
    {
        var ledger = Ledger(Node("w1", HostNode(0, 0, 4, pages2Mi: 1000), HostNode(1, 8, 4, pages2Mi: 8192)));

        var placement = Placed(ledger, Vm("ns/a", 2, 8 * Gi));

        var guest = Assert.Single(placement.GuestNodes);
        Assert.Equal("w1", placement.NodeName);
        Assert.Equal(PageSize.Huge2Mi, placement.PageSize);
        Assert.Equal(1, guest.HostNode);
        Assert.Equal(8 * Gi, guest.MemoryBytes);
        Assert.Equal(CpuSet.Of(0, 1), guest.Vcpus);
        Assert.True(guest.HostCpus.IsEmpty, "a non-dedicated VM floats on shared CPUs: no host CPUs pinned");
        Assert.Equal(8192 - 4096, ledger.FreePages("w1", 1, PageSize.Huge2Mi));
    }

    [Fact]
    public void Honours_nodeSelector()
    {
        var labels = new Dictionary<string, string> { ["zone"] = "b" };
        var ledger = Ledger(
            Node("a-first", new Dictionary<string, string> { ["zone"] = "a" }, null, HostNode(0, 0, 4)),
            Node("b-second", labels, null, HostNode(0, 0, 4)));

        var placement = Placed(ledger, Vm("ns/a", 2, 2 * Gi, selector: labels));
        Assert.Equal("b-second", placement.NodeName);

        var rejected = NotPlaced(ledger, Vm("ns/b", 2, 2 * Gi, selector: new() { ["zone"] = "c" }));
        Assert.All(rejected.Rejections, r => Assert.Equal("did not match nodeSelector", r.Reason));
    }

    [Fact]
    public void Honours_allowed_host_nodes()
    {
        // Node 0 is the tighter fit, but only node 1 is allowed.
        var ledger = Ledger(Node("w1", HostNode(0, 0, 4, pages2Mi: 1024), HostNode(1, 8, 4, pages2Mi: 8192), HostNode(2, 16, 4, pages2Mi: 100)));

        var placement = Placed(ledger, Vm("ns/a", 2, 2 * Gi, allowed: CpuSet.Of(1, 2)));
        Assert.Equal(1, placement.GuestNodes[0].HostNode);

        var rejected = NotPlaced(ledger, Vm("ns/b", 2, 2 * Gi, allowed: CpuSet.Of(5)));
        Assert.Equal("had no NUMA node in spec.numa.nodes \"5\"", Assert.Single(rejected.Rejections).Reason);
    }

    [Fact]
    public void Each_guest_node_gets_a_distinct_host_node_with_an_even_split_of_memory_and_vcpus()
    {
        var ledger = Ledger(Node("w1", HostNode(0, 0, 4), HostNode(1, 8, 4), HostNode(2, 16, 4)));

        var placement = Placed(ledger, Vm("ns/a", 5, 8 * Gi, guestNodes: 2, dedicated: true));

        Assert.Equal(2, placement.GuestNodes.Count);
        Assert.NotEqual(placement.GuestNodes[0].HostNode, placement.GuestNodes[1].HostNode);
        Assert.All(placement.GuestNodes, g => Assert.Equal(4 * Gi, g.MemoryBytes));
        Assert.Equal(CpuSet.Of(0, 1, 2), placement.GuestNodes[0].Vcpus);
        Assert.Equal(CpuSet.Of(3, 4), placement.GuestNodes[1].Vcpus);
        Assert.Equal(3, placement.GuestNodes[0].HostCpus.Count);
        Assert.Equal(2, placement.GuestNodes[1].HostCpus.Count);
        foreach (var guest in placement.GuestNodes)
        {
            Assert.Equal(2048, 8192 - ledger.FreePages("w1", guest.HostNode, PageSize.Huge2Mi));
        }
    }

    [Fact]
    public void Two_guest_nodes_need_two_host_nodes_with_the_memory()
    {
        var ledger = Ledger(Node("w1", HostNode(0, 0, 4, pages2Mi: 8192), HostNode(1, 8, 4, pages2Mi: 100)));

        var rejected = NotPlaced(ledger, Vm("ns/a", 2, 8 * Gi, guestNodes: 2));

        Assert.Equal("fewer than 2 NUMA nodes with 2048 free 2Mi pages", Assert.Single(rejected.Rejections).Reason);
    }

    [Fact]
    public void One_gi_pages_come_from_the_1Gi_pool_only()
    {
        var ledger = Ledger(Node("w1", HostNode(0, 0, 4, pages2Mi: 8192, pages1Gi: 0), HostNode(1, 8, 4, pages2Mi: 0, pages1Gi: 8)));

        var placement = Placed(ledger, Vm("ns/a", 2, 6 * Gi, PageSize.Huge1Gi));

        Assert.Equal(1, placement.GuestNodes[0].HostNode);
        Assert.Equal(PageSize.Huge1Gi, placement.PageSize);
        Assert.Equal(2, ledger.FreePages("w1", 1, PageSize.Huge1Gi));
        Assert.Equal(8192, ledger.FreePages("w1", 0, PageSize.Huge2Mi));
        var rejected = NotPlaced(ledger, Vm("ns/b", 2, 4 * Gi, PageSize.Huge1Gi));
        Assert.Equal("no NUMA node with 4 free 1Gi pages", Assert.Single(rejected.Rejections).Reason);
    }

    [Fact]
    public void Ordinary_pages_come_from_memory_outside_the_hugepage_pools()
    {
        // 64 GiB node 0 with 60 GiB in 2Mi pages leaves 4 GiB ordinary; node 1 keeps 64 - 16 = 48 GiB.
        var ledger = Ledger(Node("w1", HostNode(0, 0, 4, pages2Mi: 60 * 512), HostNode(1, 8, 4, pages2Mi: 8 * 512, pages1Gi: 8)));

        Assert.Equal(4 * Gi / 4096, ledger.CapacityPages("w1", 0, PageSize.Normal));
        Assert.Equal(48 * Gi / 4096, ledger.CapacityPages("w1", 1, PageSize.Normal));
        var placement = Placed(ledger, Vm("ns/a", 2, 6 * Gi, PageSize.Normal));
        Assert.Equal(1, placement.GuestNodes[0].HostNode);
        Assert.False(placement.PageSize.IsHuge);
        var rejected = NotPlaced(ledger, Vm("ns/b", 2, 64 * Gi, PageSize.Normal));
        Assert.Equal("no NUMA node with 64Gi of free ordinary memory", Assert.Single(rejected.Rejections).Reason);
    }

    [Fact]
    public void Dedicated_cpus_come_from_the_host_node_holding_the_memory_and_are_never_shared()
    {
        var ledger = Ledger(Node("w1", HostNode(0, 0, 4, pages2Mi: 100), HostNode(1, 8, 4)));

        var first = Placed(ledger, Vm("ns/a", 3, 2 * Gi, dedicated: true));
        var second = Placed(ledger, Vm("ns/b", 3, 2 * Gi, dedicated: true));

        foreach (var placement in new[] { first, second })
        {
            var guest = Assert.Single(placement.GuestNodes);
            Assert.Equal(1, guest.HostNode);
            Assert.Equal(3, guest.HostCpus.Count);
            Assert.True(guest.HostCpus.IsSubsetOf(CpuSet.Of(Enumerable.Range(8, 8))), $"host CPUs {guest.HostCpus} are not on NUMA node 1");
        }

        Assert.False(first.PinnedCpus.Overlaps(second.PinnedCpus), $"{first.PinnedCpus} and {second.PinnedCpus} share a CPU");
        Assert.Equal(first.PinnedCpus.Union(second.PinnedCpus), ledger.PinnedCpus("w1"));
        var rejected = NotPlaced(ledger, Vm("ns/c", 3, 2 * Gi, dedicated: true));
        Assert.Equal("no NUMA node with 1024 free 2Mi pages and 3 free CPUs", Assert.Single(rejected.Rejections).Reason);
    }

    [Fact]
    public void Whole_cores_are_taken_first_and_broken_cores_are_used_for_the_remainder()
    {
        // Cores {0,1} {2,3} {4,5} {6,7}. Another VM pinned CPU 2, breaking core {2,3}.
        var ledger = Ledger(Node("w1", HostNode(0, 0, 4)));
        ledger.Place("ns/old", new VmPlacement("w1", PageSize.Huge2Mi, [new GuestNodePlacement(0, 0, CpuSet.Of(0), CpuSet.Of(2), 2 * Gi)]));

        var pair = Placed(ledger, Vm("ns/pair", 2, 2 * Gi, dedicated: true));
        Assert.Equal(CpuSet.Of(0, 1), pair.GuestNodes[0].HostCpus);

        var three = Placed(ledger, Vm("ns/three", 3, 2 * Gi, dedicated: true));
        Assert.Equal(CpuSet.Of(3, 4, 5), three.GuestNodes[0].HostCpus); // whole core {4,5}, then the broken core's 3, not half of {6,7}
    }

    [Fact]
    public void Reserved_cpus_are_never_given_to_vms()
    {
        var ledger = Ledger(Node("w1", null, CpuSet.Of(0, 1), HostNode(0, 0, 4)));

        var placement = Placed(ledger, Vm("ns/a", 6, 2 * Gi, dedicated: true));

        Assert.Equal(CpuSet.Of(2, 3, 4, 5, 6, 7), placement.GuestNodes[0].HostCpus);
        NotPlaced(ledger, Vm("ns/b", 1, 2 * Gi, dedicated: true));
    }

    [Fact]
    public void Memory_only_nodes_never_host_a_guest_node()
    {
        // Node 1 (no CPUs) is the tightest fit for 4 GiB, and the only fit for 32 GiB.
        var ledger = Ledger(Node("w1", HostNode(0, 0, 4, pages2Mi: 8192), MemoryOnly(1, pages2Mi: 20000)));

        var small = Placed(ledger, Vm("ns/a", 2, 4 * Gi));
        Assert.Equal(0, small.GuestNodes[0].HostNode);

        var rejected = NotPlaced(ledger, Vm("ns/b", 2, 32 * Gi));
        Assert.Equal("no NUMA node with 16384 free 2Mi pages and CPUs", Assert.Single(rejected.Rejections).Reason);
    }

    [Fact]
    public void Non_dedicated_vms_still_need_an_unpinned_cpu_on_the_node()
    {
        var ledger = Ledger(Node("w1", HostNode(0, 0, 1, smt: 2)));
        Placed(ledger, Vm("ns/pinned", 2, 2 * Gi, dedicated: true));

        var rejected = NotPlaced(ledger, Vm("ns/floating", 2, 2 * Gi));

        Assert.Equal("no NUMA node with 1024 free 2Mi pages and an unpinned CPU", Assert.Single(rejected.Rejections).Reason);
    }

    [Fact]
    public void Dedicated_vms_leave_one_cpu_where_non_dedicated_vms_float()
    {
        var ledger = Ledger(Node("w1", HostNode(0, 0, 2, smt: 2)));
        Placed(ledger, Vm("ns/floating", 4, 2 * Gi));

        NotPlaced(ledger, Vm("ns/all", 4, 2 * Gi, dedicated: true));
        var three = Placed(ledger, Vm("ns/three", 3, 2 * Gi, dedicated: true));

        Assert.Equal(3, three.GuestNodes[0].HostCpus.Count);
    }

    [Fact]
    public void Best_fit_picks_the_host_node_left_with_the_fewest_free_pages()
    {
        var ledger = Ledger(
            Node("a", HostNode(0, 0, 4, pages2Mi: 8192), HostNode(1, 8, 4, pages2Mi: 3000)),
            Node("b", HostNode(0, 0, 4, pages2Mi: 2100), HostNode(1, 8, 4, pages2Mi: 1000)));

        var placement = Placed(ledger, Vm("ns/a", 2, 4 * Gi), PackingPolicy.NumaBestFit); // 2048 pages: b/0 leaves 52, a/1 leaves 952

        Assert.Equal(("b", 0), (placement.NodeName, placement.GuestNodes[0].HostNode));
    }

    [Fact]
    public void Equal_fits_go_to_the_lowest_node_name_then_the_lowest_numa_id()
    {
        var ledger = Ledger(Node("w2", HostNode(0, 0, 4)), Node("w1", HostNode(0, 0, 4), HostNode(1, 8, 4)));

        var placement = Placed(ledger, Vm("ns/a", 2, 2 * Gi));

        Assert.Equal(("w1", 0), (placement.NodeName, placement.GuestNodes[0].HostNode));
    }

    [Fact]
    public void Equal_scores_go_to_the_lowest_node_name_even_when_the_search_meets_it_later()
    {
        // Both leave 2 × 1000 pages at distance 20: "b" (900 + 1100 free beyond the demand) is met first in the
        // free-page index, "a" (1000 + 1000) later; the lower name must still win.
        var ledger = Ledger(
            Node("a", HostNode(0, 0, 4, pages2Mi: 2024, distances: [10, 10]), HostNode(1, 8, 4, pages2Mi: 2024, distances: [10, 10])),
            Node("b", HostNode(0, 0, 4, pages2Mi: 1924, distances: [10, 10]), HostNode(1, 8, 4, pages2Mi: 2124, distances: [10, 10])));

        Assert.Equal("a", Placed(ledger, Vm("ns/a", 2, 4 * Gi, guestNodes: 2)).NodeName);
    }

    [Fact]
    public void Among_equal_fits_the_host_nodes_closest_to_each_other_win()
    {
        // Node 0 and 2 are the closest pair (11); everything else is 21 apart.
        int[] D(int id) => [.. Enumerable.Range(0, 4).Select(m => m == id ? 10 : (m + id == 2 && m != id) ? 11 : 21)];
        var ledger = Ledger(Node("w1", HostNode(0, 0, 4, distances: D(0)), HostNode(1, 8, 4, distances: D(1)), HostNode(2, 16, 4, distances: D(2)), HostNode(3, 24, 4, distances: D(3))));

        var placement = Placed(ledger, Vm("ns/a", 2, 2 * Gi, guestNodes: 2));

        Assert.Equal(CpuSet.Of(0, 2), placement.HostNodes);
    }

    [Fact]
    public void Best_fit_comes_before_distance_and_distance_before_ids()
    {
        // Host node 2 is the tightest; its partner is the roomy node nearest to it (3, same socket), not the lowest id.
        // In the second host 0 and 3 are tight but far apart (21): they still beat the close pair 0-2 (12).
        var ledger = Ledger(Node(
            "w1",
            HostNode(0, 0, 4, pages2Mi: 8192, distances: TwoSocketDistances(0)),
            HostNode(1, 8, 4, pages2Mi: 8192, distances: TwoSocketDistances(1)),
            HostNode(2, 16, 4, pages2Mi: 1100, distances: TwoSocketDistances(2)),
            HostNode(3, 24, 4, pages2Mi: 8192, distances: TwoSocketDistances(3))));
        var ledger2 = Ledger(Node(
            "w1",
            HostNode(0, 0, 4, pages2Mi: 1100, distances: [10, 21, 12, 21]),
            HostNode(1, 8, 4, pages2Mi: 8192, distances: [21, 10, 21, 12]),
            HostNode(2, 16, 4, pages2Mi: 8192, distances: [12, 21, 10, 21]),
            HostNode(3, 24, 4, pages2Mi: 1100, distances: [21, 12, 21, 10])));

        Assert.Equal(CpuSet.Of(2, 3), Placed(ledger, Vm("ns/a", 2, 4 * Gi, guestNodes: 2), PackingPolicy.NumaBestFit).HostNodes);
        Assert.Equal(CpuSet.Of(0, 3), Placed(ledger2, Vm("ns/a", 2, 4 * Gi, guestNodes: 2), PackingPolicy.NumaBestFit).HostNodes);
    }

    [Fact]
    public void A_node_with_one_tight_and_one_roomy_host_node_beats_a_node_with_two_medium_ones()
    {
        // Node "a": 1100 + 8192 pages -> leaves 76 + 7168 = 7244; node "b": 4000 + 4000 -> leaves 2976 + 2976 = 5952.
        var ledger = Ledger(
            Node("a", HostNode(0, 0, 4, pages2Mi: 1100), HostNode(1, 8, 4, pages2Mi: 8192)),
            Node("b", HostNode(0, 0, 4, pages2Mi: 4000), HostNode(1, 8, 4, pages2Mi: 4000)));

        Assert.Equal("b", Placed(ledger, Vm("ns/a", 2, 4 * Gi, guestNodes: 2), PackingPolicy.NumaBestFit).NodeName);
    }

    [Fact]
    public void Deciding_changes_nothing_in_the_ledger_and_is_deterministic()
    {
        var nodes = new[] { Node("w2", HostNode(0, 0, 4), HostNode(1, 8, 4)), Node("w1", HostNode(0, 0, 4), HostNode(1, 8, 4)) };
        var ledger = new PlacementLedger(new ClusterSnapshot(nodes));
        var reversed = new PlacementLedger(new ClusterSnapshot(nodes.Reverse()));
        var request = Vm("ns/a", 4, 8 * Gi, dedicated: true, guestNodes: 2);

        var first = Assert.IsType<PlacementDecision.Placed>(PlacementEngine.Decide(ledger, request));
        var second = Assert.IsType<PlacementDecision.Placed>(PlacementEngine.Decide(ledger, request));
        var third = Assert.IsType<PlacementDecision.Placed>(PlacementEngine.Decide(reversed, request));

        Assert.Equal(0, ledger.Count);
        Assert.Equal(8192, ledger.FreePages("w1", 0, PageSize.Huge2Mi));
        Assert.True(ledger.PinnedCpus("w1").IsEmpty);
        Assert.Equal(Describe(first.Placement), Describe(second.Placement));
        Assert.Equal(Describe(first.Placement), Describe(third.Placement));
    }

    [Fact]
    public void An_eight_guest_node_vm_on_a_sixteen_node_host_places_without_a_permutation_search()
    {
        // 16P8 = 518,918,400 orderings: a permutation search (OpenStack Nova's) would take minutes here.
        var numa = Enumerable.Range(0, 16).Select(i => HostNode(i, i * 8, 4, pages2Mi: 4096 + i, distances: [.. Enumerable.Range(0, 16).Select(j => j == i ? 10 : 10 + Math.Abs(i - j))])).ToArray();
        var ledger = Ledger(Node("big", numa));
        var request = Vm("ns/wide", 16, 64 * Gi, dedicated: true, guestNodes: 8);

        var watch = Stopwatch.StartNew();
        var placement = Placed(ledger, request, PackingPolicy.Pack);
        watch.Stop();

        Assert.Equal(8, placement.HostNodes.Count);
        Assert.Equal(CpuSet.Of(Enumerable.Range(0, 8)), placement.HostNodes); // the 8 tightest (fewest free pages) host nodes
        Assert.All(placement.GuestNodes, g => Assert.Equal(2, g.HostCpus.Count));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}: placement must be polynomial");
    }

    [Fact]
    public void The_summary_reads_like_kube_scheduler()
    {
        var zoneA = new Dictionary<string, string> { ["zone"] = "a" };
        var zoneB = new Dictionary<string, string> { ["zone"] = "b" };
        var ledger = Ledger(
            Node("n1", zoneA, null, HostNode(0, 0, 4, pages2Mi: 10000)),
            Node("n2", zoneA, null, HostNode(0, 0, 4, pages2Mi: 15359), HostNode(1, 8, 4, pages2Mi: 15000)),
            Node("n3", zoneA, null, HostNode(0, 0, 4, pages2Mi: 1)),
            Node("n4", zoneB, null, HostNode(0, 0, 4, pages2Mi: 90000)),
            Node("n5", zoneB, null, HostNode(0, 0, 4, pages2Mi: 90000)));

        var rejected = NotPlaced(ledger, Vm("ns/a", 4, 30 * Gi, selector: zoneA));

        Assert.Equal("0/5 nodes fit: 3 no NUMA node with 15360 free 2Mi pages, 2 did not match nodeSelector", rejected.Summary);
        Assert.Equal(["n1", "n2", "n3", "n4", "n5"], rejected.Rejections.Select(r => r.NodeName));
    }

    internal static string Describe(VmPlacement placement) =>
        placement.NodeName + ":" + string.Join(";", placement.GuestNodes.Select(g => $"{g.GuestNode}@{g.HostNode}/{g.Vcpus}/{g.HostCpus}/{g.MemoryBytes}"));
}
