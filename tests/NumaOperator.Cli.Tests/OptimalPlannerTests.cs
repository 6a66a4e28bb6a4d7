using NumaOperator.Cli.Placing.Optimal;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;

namespace NumaOperator.Cli.Tests;

/// <summary>The offline plan of `place --optimize` on fleets small enough to know the optimum by hand.</summary>
public class OptimalPlannerTests
{
    private const long Gi = 1L << 30;

    private static ClusterNode Host(string name, long gibOf2Mi = 8, int cpus = 16) =>
        new(
            name,
            new Dictionary<string, string>(),
            new HostTopology([new HostNumaNode(0, CpuSet.Of(Enumerable.Range(0, cpus)), [], 64 * Gi, [new HugepagePool(PageSize.Huge2Mi, gibOf2Mi * 512, gibOf2Mi * 512)], [10])]),
            CpuSet.Empty);

    private static VmRequest Vm(string name, long gib, int vcpus = 1, bool dedicated = true) =>
        new($"ns/{name}", vcpus, dedicated, gib * Gi, PageSize.Huge2Mi, null, 1, NumaPolicy.Strict, new Dictionary<string, string>());

    private static int OnlinePlaced(PlacementLedger ledger, IEnumerable<VmRequest> vms) =>
        vms.Count(vm => PlacementEngine.Decide(ledger, vm) is PlacementDecision.Placed p && ledger.TryPlace(vm.Key, p.Placement, out _));

    [Fact]
    public void On_a_full_node_the_plan_places_the_most_vms_and_proves_no_plan_places_more()
    {
        // 8 GiB: the online policy takes the 6 GiB VM first and then fits one 2 GiB VM; four 2 GiB VMs is the optimum.
        VmRequest[] vms = [Vm("big", 6), Vm("a", 2), Vm("b", 2), Vm("c", 2), Vm("d", 2)];
        var snapshot = new ClusterSnapshot([Host("n1")]);
        var ledger = new PlacementLedger(snapshot);

        var quality = OptimalPlanner.Place(ledger, vms, PackingPolicies.Default, TimeSpan.FromSeconds(20));

        Assert.Equal(2, OnlinePlaced(new PlacementLedger(snapshot), vms));
        Assert.Equal((PlanGoal.MostVmsPlaced, 4, 4, true), (quality.Goal, quality.Achieved, quality.Bound, quality.Proven));
        Assert.Equal(0, quality.Gap);
        Assert.Equal(4, ledger.Count);
        Assert.False(ledger.Contains("ns/big"));
        Assert.Equal(0, ledger.FreePages("n1", 0, PageSize.Huge2Mi));
    }

    [Fact]
    public void When_every_vm_fits_the_plan_uses_the_fewest_nodes_and_proves_no_plan_uses_fewer()
    {
        // Online (consolidate): 3+3 on n1, 5 on n2, 5 on n3. Optimum: 3+5 twice, 16 GiB on two 8 GiB nodes.
        VmRequest[] vms = [Vm("a", 3), Vm("b", 3), Vm("c", 5), Vm("d", 5)];
        var snapshot = new ClusterSnapshot([Host("n1"), Host("n2"), Host("n3")]);
        var online = new PlacementLedger(snapshot);
        var ledger = new PlacementLedger(snapshot);

        var quality = OptimalPlanner.Place(ledger, vms, PackingPolicies.Default, TimeSpan.FromSeconds(20));

        Assert.Equal(4, OnlinePlaced(online, vms));
        Assert.Equal(3, online.Placements.Select(p => p.Value.NodeName).Distinct().Count());
        Assert.Equal((PlanGoal.FewestNodes, 2, 2, true), (quality.Goal, quality.Achieved, quality.Bound, quality.Proven));
        Assert.Equal(4, ledger.Count);
        Assert.Equal(2, ledger.Placements.Select(p => p.Value.NodeName).Distinct().Count());
    }

    [Fact]
    public void Cpus_bound_the_plan_as_much_as_pages_and_floating_vms_share_the_one_cpu_left_unpinned()
    {
        // 4 CPUs, plenty of pages: four 1-vCPU dedicated VMs cannot all fit beside floating ones; the best plan pins 3
        // and floats both non-dedicated VMs on the fourth CPU (6 VMs offered, 5 placed).
        VmRequest[] vms = [.. Enumerable.Range(0, 4).Select(i => Vm($"pin-{i}", 1)), Vm("float-a", 1, dedicated: false), Vm("float-b", 1, dedicated: false)];
        var ledger = new PlacementLedger(new ClusterSnapshot([Host("n1", gibOf2Mi: 32, cpus: 4)]));

        var quality = OptimalPlanner.Place(ledger, vms, PackingPolicies.Default, TimeSpan.FromSeconds(20));

        Assert.Equal((PlanGoal.MostVmsPlaced, 5, 5), (quality.Goal, quality.Achieved, quality.Bound));
        Assert.True(ledger.Contains("ns/float-a") && ledger.Contains("ns/float-b"));
        Assert.Equal(3, ledger.PinnedCpus("n1").Count);
    }

    [Fact]
    public void Recorded_placements_stay_and_only_the_capacity_left_is_planned()
    {
        var snapshot = new ClusterSnapshot([Host("n1"), Host("n2")]);
        var ledger = new PlacementLedger(snapshot);
        var before = Assert.IsType<PlacementDecision.Placed>(PlacementEngine.Decide(ledger, Vm("old", 6))).Placement;
        ledger.Place("ns/old", before);

        var quality = OptimalPlanner.Place(ledger, [Vm("x", 2), Vm("y", 4), Vm("z", 4)], PackingPolicies.Default, TimeSpan.FromSeconds(20));

        // n1 has 2 GiB left: x goes there, y and z share n2, and no idle node beyond n2 is needed (n1 was in use already).
        Assert.Equal(before, ledger.PlacementOf("ns/old"));
        Assert.Equal((PlanGoal.FewestNodes, 1, 1), (quality.Goal, quality.Achieved, quality.Bound));
        Assert.Equal(before.NodeName, ledger.PlacementOf("ns/x")!.NodeName);
    }
}
