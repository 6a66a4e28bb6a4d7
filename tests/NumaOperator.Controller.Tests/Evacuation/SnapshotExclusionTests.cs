using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Scheduling;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Controller.Tests.Evacuation;

/// <summary>An evacuating or cordoned node takes no new VM (the summary says why) and keeps its VMs' placements in the ledger.</summary>
public sealed class SnapshotExclusionTests
{
    private static NumaNodeTopology Topology(string name, bool evacuate = false) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = evacuate ? new NumaNodeTopologySpec { Evacuate = true } : null,
        Status = new NumaNodeTopologyStatus
        {
            NumaNodes = [new NumaNodeStatus { Id = 0, Cpus = "0-3", MemoryBytes = 8L << 30, Distances = [10] }],
        },
    };

    private static V1Node Node(string name, bool cordoned = false) =>
        new() { Metadata = new V1ObjectMeta { Name = name }, Spec = cordoned ? new V1NodeSpec { Unschedulable = true } : null };

    private static readonly VmRequest Small = new("default/db1", 1, false, 1L << 30, PageSize.Normal, null, 1, NumaPolicy.Strict, new Dictionary<string, string>());

    [Fact]
    public void Evacuating_and_cordoned_nodes_stay_in_the_snapshot_marked_with_their_reasons()
    {
        var snapshot = ClusterSnapshotBuilder.Build([Topology("a", evacuate: true), Topology("b"), Topology("c")], [Node("a"), Node("b", cordoned: true), Node("c")], out _);
        Assert.Equal(
            [("a", "node is being evacuated"), ("b", "node is cordoned"), ("c", null)],
            snapshot.ClusterNodes.Select(n => (n.Name, n.Unschedulable)));
    }

    [Fact]
    public void The_ledger_keeps_holding_the_placements_on_an_evacuating_node()
    {
        var snapshot = ClusterSnapshotBuilder.Build([Topology("a", evacuate: true)], [Node("a")], out _);
        var ledger = new PlacementLedger(snapshot);
        var placement = new VmPlacement("a", PageSize.Normal, [new GuestNodePlacement(0, 0, CpuSet.Of(0), CpuSet.Empty, 1L << 30)]);
        Assert.True(ledger.TryRecord("default/db1", placement, out var refused), refused);
    }

    [Fact]
    public void A_vm_that_fits_only_on_an_evacuating_node_is_unschedulable_and_the_summary_names_the_reason()
    {
        var snapshot = ClusterSnapshotBuilder.Build([Topology("a", evacuate: true), Topology("b")], [Node("a"), Node("b", cordoned: true)], out _);
        var decision = PlacementEngine.Decide(new PlacementLedger(snapshot), Small);
        var refused = Assert.IsType<PlacementDecision.NotSchedulable>(decision);
        Assert.Equal("0/2 nodes fit: 1 node is being evacuated, 1 node is cordoned", refused.Summary);
    }

    [Fact]
    public void Evacuate_turning_on_or_off_changes_capacity()
    {
        Assert.False(TopologyCapacity.Same(Topology("a"), Topology("a", evacuate: true)));
        Assert.False(TopologyCapacity.Same(Topology("a", evacuate: true), Topology("a")));
        Assert.True(TopologyCapacity.Same(Topology("a", evacuate: true), Topology("a", evacuate: true)));
    }
}
