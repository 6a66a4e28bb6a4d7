namespace NumaOperator.Cli.Standalone;

/// <summary>
/// One read of a hugepage pool's sysfs counters, from which --reserve-hugepages plans its raises: a host NUMA node's
/// pool (Node = id) or, on a kernel without per-node sysfs, the whole host's (Node = null). Not the topology's
/// <c>NumaOperator.Numa.Topology.HugepagePool</c> (a NUMA node's pool as placement sees it).
/// </summary>
public sealed record HugepagePoolReading(int? Node, long PageBytes, long Total, long Free)
{
    public string Describe() => Node is { } n ? $"host node {n}" : "the host";
}
