using k8s.Models;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Controller.Scheduling;

/// <summary>
/// Which nodes the scheduler may use: a node needs both its Node object (labels for nodeSelector; not cordoned) and
/// its NumaNodeTopology with a status from the agent. Pure.
/// </summary>
public static class ClusterSnapshotBuilder
{
    /// <summary>The snapshot, and per skipped topology the reason (malformed agent status).</summary>
    public static ClusterSnapshot Build(IEnumerable<NumaNodeTopology> topologies, IEnumerable<V1Node> nodes, out IReadOnlyList<string> skipped)
    {
        var nodeByName = nodes.ToDictionary(n => n.Metadata.Name, StringComparer.Ordinal);
        var usable = new List<ClusterNode>();
        var problems = new List<string>();
        foreach (var topology in topologies.Where(t => t.Status is not null))
        {
            if (!nodeByName.TryGetValue(topology.Metadata.Name, out var node) || node.Spec?.Unschedulable == true)
            {
                continue;
            }

            try
            {
                var labels = (IReadOnlyDictionary<string, string>?)node.Metadata.Labels?.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal)
                    ?? new Dictionary<string, string>(StringComparer.Ordinal);
                usable.Add(TopologyConversion.ToClusterNode(topology, labels));
            }
            catch (FormatException e)
            {
                problems.Add($"NumaNodeTopology {topology.Metadata.Name}: {e.Message}");
            }
        }

        skipped = problems;
        return new ClusterSnapshot(usable);
    }
}
