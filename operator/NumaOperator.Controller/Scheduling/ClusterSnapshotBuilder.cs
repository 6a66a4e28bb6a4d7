using k8s.Models;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Evacuation;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Controller.Scheduling;

/// <summary>
/// Which nodes the scheduler knows: a node needs both its Node object (labels for nodeSelector) and its
/// NumaNodeTopology with a status from the agent. A cordoned node (Node spec.unschedulable) or one being evacuated
/// (NumaNodeTopology spec.evacuate) stays in the snapshot, so the ledger keeps holding its VMs' placements, but is
/// marked <see cref="ClusterNode.Unschedulable"/> with the reason: the engine places nothing new there. Pure.
/// </summary>
public static class ClusterSnapshotBuilder
{
    /// <summary>The snapshot, and per skipped topology the reason (malformed agent status); hugepage pools offer their total.</summary>
    public static ClusterSnapshot Build(IEnumerable<NumaNodeTopology> topologies, IEnumerable<V1Node> nodes, out IReadOnlyList<string> skipped) =>
        Build(topologies, nodes, null, out skipped, out _);

    /// <summary>
    /// The controller's snapshot: hugepage pools offer what their agent saw free plus what the placed VMs in
    /// <paramref name="vms"/> hold there (<see cref="FreePageCapacity"/>); null <paramref name="vms"/>: their total.
    /// <paramref name="awaitingFreshCount"/> names the nodes with a VM running since their free count was read.
    /// </summary>
    public static ClusterSnapshot Build(
        IEnumerable<NumaNodeTopology> topologies,
        IEnumerable<V1Node> nodes,
        IEnumerable<NumaVirtualMachine>? vms,
        out IReadOnlyList<string> skipped,
        out IReadOnlySet<string> awaitingFreshCount)
    {
        var awaiting = new HashSet<string>(StringComparer.Ordinal);
        var vmsByNode = vms?.Where(vm => !string.IsNullOrEmpty(vm.Status?.NodeName) && vm.Status.Placement is not null)
            .ToLookup(vm => vm.Status!.NodeName!, StringComparer.Ordinal);
        var nodeByName = nodes.ToDictionary(n => n.Metadata.Name, StringComparer.Ordinal);
        var usable = new List<ClusterNode>();
        var problems = new List<string>();
        foreach (var topology in topologies.Where(t => t.Status is not null))
        {
            if (!nodeByName.TryGetValue(topology.Metadata.Name, out var node))
            {
                continue;
            }


            try
            {
                var labels = (IReadOnlyDictionary<string, string>?)node.Metadata.Labels?.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal)
                    ?? new Dictionary<string, string>(StringComparer.Ordinal);
                var clusterNode = TopologyConversion.ToClusterNode(topology, labels) with { Unschedulable = UnschedulableReason(topology, node) };
                if (vmsByNode is not null)
                {
                    var placedThere = vmsByNode[topology.Metadata.Name].ToList();
                    var observedAt = topology.Status!.HeartbeatTime;
                    clusterNode = FreePageCapacity.Apply(clusterNode, observedAt, FreePageCapacity.Held(placedThere, observedAt));
                    if (placedThere.Any(vm => FreePageCapacity.AwaitsFreshCount(vm, observedAt)))
                    {
                        awaiting.Add(topology.Metadata.Name);
                    }
                }

                usable.Add(clusterNode);
            }
            catch (FormatException e)
            {
                problems.Add($"NumaNodeTopology {topology.Metadata.Name}: {e.Message}");
            }
        }

        skipped = problems;
        awaitingFreshCount = awaiting;
        return new ClusterSnapshot(usable);
    }

    /// <summary>Why a node takes no new VM and no migration target: being evacuated (spec.evacuate) or cordoned (Node spec.unschedulable); null when it may.</summary>
    public static string? UnschedulableReason(NumaNodeTopology topology, V1Node node)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(node);
        return EvacuationPlan.Evacuates(topology) ? EvacuatingReason
            : node.Spec?.Unschedulable == true ? CordonedReason
            : null;
    }

    public const string EvacuatingReason = "node is being evacuated";
    public const string CordonedReason = "node is cordoned";
}
