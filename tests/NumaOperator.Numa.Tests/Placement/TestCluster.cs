using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;

namespace NumaOperator.Numa.Tests.Placement;

/// <summary>Small builders for hand-made clusters: NUMA node n of a host owns CPUs [firstCpu, firstCpu + cores × smt), core i = smt consecutive CPUs.</summary>
internal static class TestCluster
{
    public const long Gi = 1L << 30;

    public static HostNumaNode HostNode(
        int id,
        int firstCpu,
        int cores,
        int smt = 2,
        long pages2Mi = 8192,
        long pages1Gi = 0,
        long memoryBytes = 64 * Gi,
        int[]? distances = null)
    {
        var coreSets = Enumerable.Range(0, cores).Select(c => CpuSet.Of(Enumerable.Range(firstCpu + (c * smt), smt))).ToList();
        var cpus = CpuSet.Of(Enumerable.Range(firstCpu, cores * smt));
        return new HostNumaNode(
            id,
            cpus,
            coreSets,
            memoryBytes,
            [new HugepagePool(PageSize.Huge2Mi, pages2Mi, pages2Mi), new HugepagePool(PageSize.Huge1Gi, pages1Gi, pages1Gi)],
            distances ?? []);
    }

    /// <summary>A CXL/HBM node: memory and hugepages, no CPUs.</summary>
    public static HostNumaNode MemoryOnly(int id, long pages2Mi, long memoryBytes = 256 * Gi, int[]? distances = null) =>
        new(id, CpuSet.Empty, [], memoryBytes, [new HugepagePool(PageSize.Huge2Mi, pages2Mi, pages2Mi)], distances ?? []);

    public static ClusterNode Node(string name, params HostNumaNode[] numa) => Node(name, null, null, numa);

    public static ClusterNode Node(string name, Dictionary<string, string>? labels, CpuSet? reserved, params HostNumaNode[] numa) =>
        new(name, labels ?? [], new HostTopology(numa), reserved ?? CpuSet.Empty);

    public static VmRequest Vm(
        string key,
        int vcpus,
        long memoryBytes,
        PageSize? pageSize = null,
        bool dedicated = false,
        int guestNodes = 1,
        CpuSet? allowed = null,
        Dictionary<string, string>? selector = null) =>
        new(key, vcpus, dedicated, memoryBytes, pageSize ?? PageSize.Huge2Mi, allowed, guestNodes, NumaPolicy.Strict, selector ?? []);

    public static PlacementLedger Ledger(params ClusterNode[] nodes) => new(new ClusterSnapshot(nodes));

    public static VmPlacement Placed(PlacementLedger ledger, VmRequest request, PackingPolicy policy = PackingPolicies.Default)
    {
        var decision = PlacementEngine.Decide(ledger, request, policy);
        var placed = Assert.IsType<PlacementDecision.Placed>(decision);
        ledger.Place(request.Key, placed.Placement);
        return placed.Placement;
    }

    public static PlacementDecision.NotSchedulable NotPlaced(PlacementLedger ledger, VmRequest request) =>
        Assert.IsType<PlacementDecision.NotSchedulable>(PlacementEngine.Decide(ledger, request));

    /// <summary>Four NUMA nodes in two sockets: 0-1 and 2-3 are 12 apart, across sockets 21.</summary>
    public static int[] TwoSocketDistances(int id) => [.. Enumerable.Range(0, 4).Select(m => m == id ? 10 : m / 2 == id / 2 ? 12 : 21)];
}
