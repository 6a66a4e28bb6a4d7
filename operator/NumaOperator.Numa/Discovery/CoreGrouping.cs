using NumaOperator.Numa.Quantities;

namespace NumaOperator.Numa.Discovery;

/// <summary>Groups a node's online CPUs into physical cores by their SMT sibling lists. Pure.</summary>
public static class CoreGrouping
{
    /// <summary>
    /// One entry per core that has an online CPU on the node: its siblings restricted to <paramref name="nodeCpus"/>
    /// (offline siblings drop out), ordered by lowest CPU. A CPU whose siblings are unknown is its own core.
    /// </summary>
    public static IReadOnlyList<CpuSet> Cores(CpuSet nodeCpus, IReadOnlyDictionary<int, CpuSet> threadSiblings)
    {
        ArgumentNullException.ThrowIfNull(nodeCpus);
        ArgumentNullException.ThrowIfNull(threadSiblings);
        var assigned = new HashSet<int>();
        var cores = new List<CpuSet>();
        foreach (var cpu in nodeCpus)
        {
            if (assigned.Contains(cpu))
            {
                continue;
            }

            var siblings = threadSiblings.TryGetValue(cpu, out var s) ? s.Union(CpuSet.Of(cpu)) : CpuSet.Of(cpu);
            var core = siblings.Intersect(nodeCpus).Except(CpuSet.Of(assigned));
            assigned.UnionWith(core);
            cores.Add(core);
        }

        return cores;
    }
}
