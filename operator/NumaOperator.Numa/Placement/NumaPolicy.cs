namespace NumaOperator.Numa.Placement;

/// <summary>How guest memory is bound to its placed host NUMA node.</summary>
public enum NumaPolicy
{
    /// <summary>policy=bind: allocation fails rather than spill to another node.</summary>
    Strict,

    /// <summary>policy=preferred: the kernel may spill to other nodes when the placed one is full.</summary>
    Preferred,
}
