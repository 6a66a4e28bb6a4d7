using NumaOperator.Numa.Placement;

namespace NumaOperator.Numa.Tests.Placement;

public class UnschedulableSummaryTests
{
    [Fact]
    public void Groups_equal_reasons_most_frequent_first()
    {
        var summary = UnschedulableSummary.Format(6, [
            new("a", "did not match nodeSelector"),
            new("b", "no NUMA node with 4 free 1Gi pages"),
            new("c", "did not match nodeSelector"),
            new("d", "had no NUMA node in spec.numa.nodes \"3\""),
            new("e", "no NUMA node with 4 free 1Gi pages"),
            new("f", "no NUMA node with 4 free 1Gi pages"),
        ]);

        Assert.Equal("0/6 nodes fit: 3 no NUMA node with 4 free 1Gi pages, 2 did not match nodeSelector, 1 had no NUMA node in spec.numa.nodes \"3\"", summary);
    }

    [Fact]
    public void Equal_counts_are_in_ordinal_reason_order()
    {
        Assert.Equal("0/2 nodes fit: 1 a reason, 1 b reason", UnschedulableSummary.Format(2, [new("x", "b reason"), new("y", "a reason")]));
    }

    [Fact]
    public void An_empty_cluster_says_so()
    {
        Assert.Equal("0/0 nodes fit: no node has published a NumaNodeTopology", UnschedulableSummary.Format(0, []));
    }
}
