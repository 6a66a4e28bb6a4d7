using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using static NumaOperator.Numa.Tests.Placement.TestCluster;

namespace NumaOperator.Numa.Tests.Placement;

public class PackingPolicyTests
{
    private static ClusterNode Host(string name, int cores = 4, long pages2Mi = 8192) =>
        Node(name, HostNode(0, 0, cores, pages2Mi: pages2Mi), HostNode(1, cores * 2, cores, pages2Mi: pages2Mi));

    [Fact]
    public void Consolidate_is_the_default()
    {
        Assert.Equal(PackingPolicy.Consolidate, PackingPolicies.Default);
        Assert.Equal("consolidate", PackingPolicies.NameOf(PackingPolicies.Default));
    }

    [Theory]
    [InlineData("consolidate", PackingPolicy.Consolidate)]
    [InlineData("pack", PackingPolicy.Pack)]
    [InlineData("Spread", PackingPolicy.Spread)]
    [InlineData("numa-best-fit", PackingPolicy.NumaBestFit)]
    public void Policies_are_named_as_on_the_command_line(string name, PackingPolicy expected)
    {
        Assert.True(PackingPolicies.TryParse(name, out var policy));
        Assert.Equal(expected, policy);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("MostAllocated")]
    public void Unknown_policy_names_are_refused(string? name) => Assert.False(PackingPolicies.TryParse(name, out _));

    [Fact]
    public void Consolidate_keeps_idle_nodes_idle_while_a_node_in_use_fits()
    {
        var ledger = Ledger(Host("a"), Host("b"), Host("c"));
        Placed(ledger, Vm("ns/first", 2, 8 * Gi, dedicated: true));

        // "a" holds a VM and still fits: b and c (idler, so Spread's pick) stay idle.
        var names = Enumerable.Range(0, 4).Select(i => Placed(ledger, Vm($"ns/vm-{i}", 2, 4 * Gi, dedicated: true)).NodeName).ToList();

        Assert.Equal(["a", "a", "a", "a"], names);
    }

    [Fact]
    public void Consolidate_fills_the_least_allocated_node_in_use_and_its_roomiest_numa_node()
    {
        var ledger = Ledger(Host("a"), Host("b"), Host("c"));
        ledger.Place("ns/big", new VmPlacement("a", PageSize.Huge2Mi, [new GuestNodePlacement(0, 0, CpuSet.Of(0, 1, 2, 3, 4, 5), CpuSet.Of(0, 1, 2, 3, 4, 5), 12 * Gi)]));
        ledger.Place("ns/small", new VmPlacement("b", PageSize.Huge2Mi, [new GuestNodePlacement(0, 0, CpuSet.Of(0), CpuSet.Of(0), 2 * Gi)]));

        var placement = Placed(ledger, Vm("ns/new", 1, 2 * Gi, dedicated: true));

        Assert.Equal(("b", 1), (placement.NodeName, placement.GuestNodes[0].HostNode));
    }

    [Fact]
    public void Consolidate_opens_the_largest_idle_node_first_then_the_lowest_name()
    {
        var ledger = Ledger(Host("a", cores: 2, pages2Mi: 4096), Host("b", cores: 4, pages2Mi: 8192), Host("c", cores: 4, pages2Mi: 8192));

        Assert.Equal("b", Placed(ledger, Vm("ns/one", 2, 4 * Gi, dedicated: true)).NodeName);
    }

    [Fact]
    public void Consolidate_opens_an_idle_node_only_when_no_node_in_use_fits()
    {
        var ledger = Ledger(Node("a", HostNode(0, 0, 2, pages2Mi: 4096)), Node("b", HostNode(0, 0, 2, pages2Mi: 4096)));
        Assert.Equal("a", Placed(ledger, Vm("ns/one", 2, 6 * Gi, dedicated: true)).NodeName);

        // "a" has 1024 free pages left: 6 GiB (3072 pages) needs the idle node; then both are in use and equal, the lower name wins.
        Assert.Equal("b", Placed(ledger, Vm("ns/two", 2, 6 * Gi, dedicated: true)).NodeName);
        Assert.Equal("a", Placed(ledger, Vm("ns/three", 1, 2 * Gi, dedicated: true)).NodeName);
    }

    [Fact]
    public void Pack_takes_the_most_allocated_node_and_its_tightest_numa_node()
    {
        var ledger = Ledger(Host("a"), Host("b"));
        ledger.Place("ns/x", new VmPlacement("b", PageSize.Huge2Mi, [new GuestNodePlacement(0, 1, CpuSet.Of(0, 1), CpuSet.Of(8, 9), 4 * Gi)]));

        var placement = Placed(ledger, Vm("ns/new", 2, 2 * Gi, dedicated: true), PackingPolicy.Pack);

        Assert.Equal(("b", 1), (placement.NodeName, placement.GuestNodes[0].HostNode));
    }

    [Fact]
    public void Spread_takes_the_least_allocated_node_and_its_roomiest_numa_node()
    {
        var ledger = Ledger(Host("a"), Host("b"));
        ledger.Place("ns/x", new VmPlacement("a", PageSize.Huge2Mi, [new GuestNodePlacement(0, 0, CpuSet.Of(0, 1), CpuSet.Of(0, 1), 4 * Gi)]));
        ledger.Place("ns/y", new VmPlacement("b", PageSize.Huge2Mi, [new GuestNodePlacement(0, 0, CpuSet.Of(0), CpuSet.Of(0), 2 * Gi)]));

        var placement = Placed(ledger, Vm("ns/new", 2, 2 * Gi, dedicated: true), PackingPolicy.Spread);

        Assert.Equal(("b", 1), (placement.NodeName, placement.GuestNodes[0].HostNode));
    }

    [Fact]
    public void Allocation_counts_cpus_and_the_asked_page_size_only()
    {
        // "a" has its 1Gi pool full but no 2Mi page or CPU taken: for a 2Mi VM it is as idle as "b" under Spread,
        // and the lower name wins; a 1Gi VM sees "a" full and goes to "b".
        var a = Node("a", HostNode(0, 0, 4, pages2Mi: 8192, pages1Gi: 4));
        var b = Node("b", HostNode(0, 0, 4, pages2Mi: 8192, pages1Gi: 4));
        var ledger = Ledger(a, b);
        ledger.Place("ns/gi", new VmPlacement("a", PageSize.Huge1Gi, [new GuestNodePlacement(0, 0, CpuSet.Of(0), CpuSet.Empty, 4 * Gi)]));

        Assert.Equal("a", Placed(ledger, Vm("ns/mi", 1, 2 * Gi), PackingPolicy.Spread).NodeName);
        Assert.Equal("b", Placed(ledger, Vm("ns/gi2", 1, 1 * Gi, pageSize: PageSize.Huge1Gi), PackingPolicy.Spread).NodeName);
    }

    [Theory]
    [InlineData(PackingPolicy.Consolidate)]
    [InlineData(PackingPolicy.Pack)]
    [InlineData(PackingPolicy.Spread)]
    [InlineData(PackingPolicy.NumaBestFit)]
    public void Every_policy_refuses_what_fits_nowhere_with_the_same_reasons(PackingPolicy policy)
    {
        var ledger = Ledger(Host("a", pages2Mi: 1024), Host("b", pages2Mi: 1024));

        var decision = Assert.IsType<PlacementDecision.NotSchedulable>(PlacementEngine.Decide(ledger, Vm("ns/huge", 2, 4 * Gi), policy));

        Assert.Equal("0/2 nodes fit: 2 no NUMA node with 2048 free 2Mi pages", decision.Summary);
    }
}
