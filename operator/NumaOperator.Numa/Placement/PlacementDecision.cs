namespace NumaOperator.Numa.Placement;

/// <summary>What the placement engine decided for one VM: <see cref="Placed"/> or <see cref="NotSchedulable"/>.</summary>
public abstract record PlacementDecision
{
    private protected PlacementDecision()
    {
    }

    /// <summary>The VM fits; record <see cref="Placement"/> in the ledger to claim it.</summary>
    public sealed record Placed(VmPlacement Placement) : PlacementDecision;

    /// <summary>No node fits. <see cref="Summary"/> reads like kube-scheduler's: "0/5 nodes fit: 3 ..., 2 ...".</summary>
    /// <param name="Rejections">Why each node was rejected, in node name order.</param>
    public sealed record NotSchedulable(IReadOnlyList<NodeRejection> Rejections, string Summary) : PlacementDecision;
}

/// <summary>Why one node cannot take a VM. The reason carries no node-specific numbers, so equal reasons group in the summary.</summary>
public sealed record NodeRejection(string NodeName, string Reason);
