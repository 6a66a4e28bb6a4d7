namespace NumaOperator.Numa.Topology;

/// <summary>The NUMA facts of one host, as discovered from sysfs or read back from a NumaNodeTopology status.</summary>
/// <param name="NumaNodes">Online NUMA nodes in ascending id order.</param>
public sealed record HostTopology(IReadOnlyList<HostNumaNode> NumaNodes)
{
    public HostNumaNode? Node(int id) => NumaNodes.FirstOrDefault(n => n.Id == id);

    /// <summary>SLIT distance between two host NUMA nodes, or null when the host did not report one.</summary>
    public int? Distance(int from, int to)
    {
        var fromNode = Node(from);
        if (fromNode is null)
        {
            return null;
        }

        var index = NumaNodes.ToList().FindIndex(n => n.Id == to);
        return index >= 0 && index < fromNode.Distances.Count ? fromNode.Distances[index] : null;
    }
}
