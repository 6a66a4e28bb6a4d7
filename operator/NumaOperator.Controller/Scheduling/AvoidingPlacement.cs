using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Controller.Scheduling;

/// <summary>
/// A placement decision that avoids the host NUMA nodes whose agent recently refused the VM for lack of hugepages: for
/// the decision only, a blocker holds every free page of the VM's size on each of them, so no guest node can land
/// there; the blockers are released before returning, leaving the ledger as it was. Pure (on the ledger).
/// </summary>
public static class AvoidingPlacement
{
    private const string BlockerPrefix = "\0avoid/";

    public static PlacementDecision Decide(PlacementLedger ledger, VmRequest request, PackingPolicy packing, IReadOnlyList<PlacementFailureStatus> avoid)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(avoid);
        var blockers = new List<string>();
        try
        {
            if (request.PageSize.IsHuge)
            {
                foreach (var (node, hostNode) in Avoided(avoid))
                {
                    var free = ledger.FreePages(node, hostNode, request.PageSize);
                    var key = BlockerPrefix + blockers.Count;
                    var blocker = new VmPlacement(node, request.PageSize, [new GuestNodePlacement(0, hostNode, CpuSet.Empty, CpuSet.Empty, free * request.PageSize.Bytes)]);
                    if (free > 0 && ledger.TryPlace(key, blocker, out _))
                    {
                        blockers.Add(key);
                    }
                }
            }

            return PlacementEngine.Decide(ledger, request, packing);
        }
        finally
        {
            foreach (var key in blockers)
            {
                ledger.Release(key);
            }
        }
    }

    /// <summary>Each (node, host NUMA node) named by a refusal, once.</summary>
    public static IEnumerable<(string Node, int HostNode)> Avoided(IEnumerable<PlacementFailureStatus> avoid) =>
        avoid.SelectMany(f => CpuSet.TryParse(f.HostNodes, out var set, out _) ? set.Select(h => (f.NodeName, h)) : [])
            .Distinct();
}
