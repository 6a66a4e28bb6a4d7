using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using static NumaOperator.Numa.Tests.Placement.TestCluster;

namespace NumaOperator.Numa.Tests.Placement;

public class PlacementLedgerTests
{
    private static VmPlacement OnNode0(long memory, CpuSet? hostCpus = null, int hostNode = 0, PageSize? pageSize = null) =>
        new("w1", pageSize ?? PageSize.Huge2Mi, [new GuestNodePlacement(0, hostNode, CpuSet.Of(Enumerable.Range(0, Math.Max(1, hostCpus?.Count ?? 1))), hostCpus ?? CpuSet.Empty, memory)]);

    [Fact]
    public void Hugepage_capacity_is_the_pools_total_not_its_free_count()
    {
        var node = Node("w1", new Numa.Topology.HostNumaNode(
            0,
            CpuSet.Of(0, 1),
            [CpuSet.Of(0, 1)],
            64 * Gi,
            [new Numa.Topology.HugepagePool(PageSize.Huge2Mi, Total: 1000, Free: 10)],
            []));
        var ledger = Ledger(node);

        Assert.Equal(1000, ledger.CapacityPages("w1", 0, PageSize.Huge2Mi));
        Assert.Equal(1000, ledger.FreePages("w1", 0, PageSize.Huge2Mi));
        Assert.Equal((64 * Gi - (1000 * (2L << 20))) / 4096, ledger.CapacityPages("w1", 0, PageSize.Normal));
    }

    [Fact]
    public void Refuses_what_would_exceed_a_pool()
    {
        var ledger = Ledger(Node("w1", HostNode(0, 0, 4, pages2Mi: 1024)));
        ledger.Place("ns/a", OnNode0(1 * Gi));

        Assert.False(ledger.TryPlace("ns/b", OnNode0(2 * Gi), out var reason));
        Assert.Contains("512 free 2Mi pages, 1024 asked", reason, StringComparison.Ordinal);
        Assert.Equal(512, ledger.FreePages("w1", 0, PageSize.Huge2Mi));
        Assert.True(ledger.TryPlace("ns/c", OnNode0(1 * Gi), out _));
        Assert.Equal(0, ledger.FreePages("w1", 0, PageSize.Huge2Mi));
    }

    [Fact]
    public void Refuses_to_pin_a_cpu_twice_or_a_reserved_one_or_one_on_another_numa_node()
    {
        var ledger = Ledger(Node("w1", null, CpuSet.Of(0), HostNode(0, 0, 4), HostNode(1, 8, 4)));
        ledger.Place("ns/a", OnNode0(Gi, CpuSet.Of(2, 3)));

        Assert.False(ledger.TryPlace("ns/b", OnNode0(Gi, CpuSet.Of(3, 4)), out var twice));
        Assert.Equal("host CPU 3 of w1 is already pinned", twice);
        Assert.False(ledger.TryPlace("ns/c", OnNode0(Gi, CpuSet.Of(0)), out var reserved));
        Assert.Equal("host CPU 0 of w1 is in reservedCpus", reserved);
        Assert.False(ledger.TryPlace("ns/d", OnNode0(Gi, CpuSet.Of(9)), out var elsewhere));
        Assert.Equal("host CPU 9 is not on host NUMA node 0 of w1", elsewhere);
        Assert.Equal(CpuSet.Of(2, 3), ledger.PinnedCpus("w1"));
        Assert.Equal(8192 - 512, ledger.FreePages("w1", 0, PageSize.Huge2Mi)); // refused placements took nothing
    }

    [Fact]
    public void Refuses_unknown_nodes_numa_nodes_page_sizes_and_keys_placed_twice()
    {
        var ledger = Ledger(Node("w1", HostNode(0, 0, 4)));
        ledger.Place("ns/a", OnNode0(Gi));

        Assert.False(ledger.TryPlace("ns/a", OnNode0(Gi), out var again));
        Assert.Equal("ns/a is already placed", again);
        Assert.False(ledger.TryPlace("ns/b", OnNode0(Gi) with { NodeName = "w9" }, out var node));
        Assert.Equal("node \"w9\" has no NumaNodeTopology", node);
        Assert.False(ledger.TryPlace("ns/b", OnNode0(Gi, hostNode: 3), out var numa));
        Assert.Equal("node w1 has no host NUMA node 3", numa);
        Assert.False(ledger.TryPlace("ns/b", OnNode0(16 * Gi, pageSize: PageSize.HugeOfBytes(16 * Gi)), out var size));
        Assert.Equal("page size 16Gi is not offered by any node", size);
        Assert.False(ledger.TryPlace("ns/b", OnNode0(3L << 20), out var partial));
        Assert.Contains("not a whole number of 2Mi pages", partial, StringComparison.Ordinal);
    }

    [Fact]
    public void Release_gives_back_exactly_what_was_taken()
    {
        var ledger = Ledger(Node("w1", HostNode(0, 0, 4), HostNode(1, 8, 4, pages1Gi: 4)));
        var twoNodes = new VmPlacement("w1", PageSize.Huge2Mi, [
            new GuestNodePlacement(0, 0, CpuSet.Of(0, 1), CpuSet.Of(4, 5), 2 * Gi),
            new GuestNodePlacement(1, 1, CpuSet.Of(2, 3), CpuSet.Of(8, 9), 2 * Gi),
        ]);
        ledger.Place("ns/keep", OnNode0(Gi, CpuSet.Of(2)));
        var before = (ledger.FreePages("w1", 0, PageSize.Huge2Mi), ledger.FreePages("w1", 1, PageSize.Huge2Mi), ledger.PinnedCpus("w1"));

        ledger.Place("ns/a", twoNodes);
        Assert.True(ledger.Release("ns/a"));

        Assert.Equal(before, (ledger.FreePages("w1", 0, PageSize.Huge2Mi), ledger.FreePages("w1", 1, PageSize.Huge2Mi), ledger.PinnedCpus("w1")));
        Assert.False(ledger.Release("ns/a"));
        Assert.True(ledger.Contains("ns/keep"));
        Assert.True(ledger.TryPlace("ns/a", twoNodes, out _), "after release the same placement fits again");
    }

    [Fact]
    public void Rebuild_keeps_recorded_placements_in_order_and_reports_the_ones_that_would_double_book()
    {
        var snapshot = new ClusterSnapshot([Node("w1", HostNode(0, 0, 4, pages2Mi: 2048))]);
        var existing = new Dictionary<string, VmPlacement>
        {
            ["ns/a"] = OnNode0(2 * Gi, CpuSet.Of(1)),
            ["ns/b"] = OnNode0(2 * Gi, CpuSet.Of(1)),
            ["ns/c"] = OnNode0(4 * Gi),
            ["ns/d"] = OnNode0(2 * Gi) with { NodeName = "gone" },
        };

        var ledger = PlacementLedger.Rebuild(snapshot, existing, out var conflicts);

        Assert.Equal(["ns/a"], ledger.Placements.Select(p => p.Key));
        Assert.Equal(["ns/b", "ns/c", "ns/d"], conflicts.Select(c => c.Key));
        Assert.Equal("host CPU 1 of w1 is already pinned", conflicts[0].Reason);
        Assert.Equal(1024, ledger.FreePages("w1", 0, PageSize.Huge2Mi));
    }
}
