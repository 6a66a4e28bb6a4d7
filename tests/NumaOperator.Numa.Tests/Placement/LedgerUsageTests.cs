using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using static NumaOperator.Numa.Tests.Placement.TestCluster;

namespace NumaOperator.Numa.Tests.Placement;

/// <summary>What the gauges and the terminal picture read of the ledger: per host NUMA node, CPUs by role and pools.</summary>
public class LedgerUsageTests
{
    [Fact]
    public void Every_cpu_is_reserved_dedicated_shared_or_free_and_pools_show_placed_pages()
    {
        var ledger = Ledger(Node("w1", null, CpuSet.Of(0, 1), HostNode(0, 0, 4, pages2Mi: 1024, pages1Gi: 4), HostNode(1, 8, 4, pages2Mi: 1024)));
        ledger.Place("ns/pinned", new VmPlacement("w1", PageSize.Huge2Mi, [new GuestNodePlacement(0, 0, CpuSet.Of(0, 1), CpuSet.Of(2, 3), 1L << 30)]));
        ledger.Place("ns/floating", new VmPlacement("w1", PageSize.Huge2Mi, [new GuestNodePlacement(0, 1, CpuSet.Of(0), CpuSet.Empty, 512L << 20)]));

        var usage = LedgerUsage.Of(ledger, "w1");

        Assert.Equal([0, 1], usage.Select(n => n.Id));
        var node0 = usage[0];
        Assert.Equal((CpuSet.Of(0, 1), CpuSet.Of(2, 3), CpuSet.Empty, CpuSet.Of(4, 5, 6, 7)), (node0.Reserved, node0.Dedicated, node0.Shared, node0.Free));
        Assert.Equal([(PageSize.Huge2Mi, 1024L, 512L), (PageSize.Huge1Gi, 4L, 0L)], node0.Hugepages.Select(p => (p.PageSize, p.CapacityPages, p.PlacedPages)));
        var node1 = usage[1];
        Assert.Equal((CpuSet.Empty, CpuSet.Empty, CpuSet.Of(8, 9, 10, 11, 12, 13, 14, 15), CpuSet.Empty, 1), (node1.Reserved, node1.Dedicated, node1.Shared, node1.Free, node1.FloatingGuestNodes));
        Assert.Equal(768, node1.Hugepages[0].FreePages);

        ledger.Release("ns/floating");
        Assert.Equal(8, LedgerUsage.Of(ledger, "w1")[1].Free.Count);
    }

    [Fact]
    public void A_node_the_snapshot_lacks_has_no_usage() =>
        Assert.Empty(LedgerUsage.Of(Ledger(Node("w1", HostNode(0, 0, 2))), "w2"));
}
