namespace NumaOperator.Numa.Placement;

/// <summary>
/// Scoring: which of the nodes that fit wins, per <see cref="PackingPolicy"/>. Feasibility (whether a node fits at
/// all, and which host NUMA nodes can take a guest node) is <see cref="Evaluate"/>'s alone; nothing here rejects a node.
/// </summary>
public static partial class PlacementEngine
{
    private static NodeChoice? Search(PlacementLedger ledger, Demand demand) => demand.Policy switch
    {
        PackingPolicy.Consolidate => SearchConsolidate(ledger, demand),
        PackingPolicy.Pack => SearchByAllocation(ledger, demand, pack: true),
        PackingPolicy.Spread => SearchByAllocation(ledger, demand, pack: false),
        _ => SearchTightestNuma(ledger, demand),
    };

    /// <summary>
    /// Pack: the node whose free share is lowest after placing; Spread: highest. Walks the node allocation index from the
    /// fullest (Pack) or idlest (Spread) node and stops when no later node can do better. Equal shares go to the node
    /// met first: for Pack the one fuller before placing, then the lowest node name; for Spread the idler one, then
    /// the lowest node name. Within the node, the host NUMA nodes are chosen by <see cref="Choose"/>.
    /// </summary>
    private static NodeChoice? SearchByAllocation(PlacementLedger ledger, Demand demand, bool pack)
    {
        var allocation = ledger.Allocation;
        var index = allocation.IndexOf(demand.Slot);
        var pages = demand.PagesPerGuestNode * demand.GuestNodes;
        var cpus = demand.PinnedCpus;
        var mostTaken = allocation.MostShareTaken(demand.Slot, pages, cpus);
        var leastTaken = allocation.LeastShareTaken(demand.Slot, pages, cpus);
        NodeChoice? best = null;
        if (pack)
        {
            for (var p = 0; p < index.Count; p++)
            {
                // Every node from here on had at least this share before placing, and loses at most mostTaken: at best a tie, which the first met wins.
                var key = index[p];
                if (best is not null && ((key >> NodeAllocationIndex.NodeBits) * NodeAllocationIndex.Quantum) - mostTaken >= best.Share)
                {
                    break;
                }

                Consider(ledger, demand, (int)(key & NodeAllocationIndex.NodeMask), pages, cpus, pack, ref best);
            }

            return best;
        }

        // Spread: runs of equal indexed share from the top, each run in node order.
        for (var end = index.Count - 1; end >= 0;)
        {
            var quantized = index[end] >> NodeAllocationIndex.NodeBits;
            if (RunExhausted(quantized, leastTaken, best))
            {
                break; // runs further down hold lower shares still
            }

            var start = index.LowerBound(quantized << NodeAllocationIndex.NodeBits);
            for (var p = start; p <= end && !RunExhausted(quantized, leastTaken, best); p++)
            {
                Consider(ledger, demand, (int)(index[p] & NodeAllocationIndex.NodeMask), pages, cpus, pack, ref best);
            }

            end = start - 1;
        }

        return best;
    }

    /// <summary>
    /// Consolidate: a node that holds a VM, the least allocated after placing (as Spread, among those only); when none
    /// fits, the idle node left with the highest free share (the largest), lowest name first.
    /// </summary>
    private static NodeChoice? SearchConsolidate(PlacementLedger ledger, Demand demand)
    {
        var allocation = ledger.Allocation;
        var index = allocation.IndexOf(demand.Slot);
        var pages = demand.PagesPerGuestNode * demand.GuestNodes;
        var cpus = demand.PinnedCpus;
        var leastTaken = allocation.LeastShareTaken(demand.Slot, pages, cpus);
        NodeChoice? best = null;
        var idleRun = index.LowerBound(NodeAllocationIndex.IdleKey);
        for (var end = index.Count - 1; end >= 0;)
        {
            var quantized = index[end] >> NodeAllocationIndex.NodeBits;
            if (RunExhausted(quantized, leastTaken, best))
            {
                break;
            }

            var start = index.LowerBound(quantized << NodeAllocationIndex.NodeBits);
            for (var p = start; p <= end && !RunExhausted(quantized, leastTaken, best); p++)
            {
                var node = (int)(index[p] & NodeAllocationIndex.NodeMask);
                if (!allocation.IsIdle(node))
                {
                    Consider(ledger, demand, node, pages, cpus, pack: false, ref best);
                }
            }

            end = start - 1;
        }

        // Every idle node has the full share (2) before placing, so they all sit in the index's top run.
        for (var p = idleRun; best is null && p < index.Count; p++)
        {
            var node = (int)(index[p] & NodeAllocationIndex.NodeMask);
            if (allocation.IsIdle(node))
            {
                NodeChoice? idle = null;
                Consider(ledger, demand, node, pages, cpus, pack: false, ref idle);
                if (idle is not null)
                {
                    for (p++; p < index.Count && !RunExhausted(NodeAllocationIndex.IdleKey >> NodeAllocationIndex.NodeBits, leastTaken, idle); p++)
                    {
                        var other = (int)(index[p] & NodeAllocationIndex.NodeMask);
                        if (allocation.IsIdle(other))
                        {
                            Consider(ledger, demand, other, pages, cpus, pack: false, ref idle);
                        }
                    }

                    return idle;
                }
            }
        }

        return best;
    }

    /// <summary>
    /// True when no node left in the run of indexed share <paramref name="quantized"/> can beat <paramref name="best"/>
    /// (Spread's rule): each had less than (quantized + 1) quanta, and at most 2 (idle), before placing, and loses at
    /// least leastTaken; a tie goes to the node met first.
    /// </summary>
    private static bool RunExhausted(long quantized, double leastTaken, NodeChoice? best) =>
        best is not null && Math.Min((quantized + 1) * NodeAllocationIndex.Quantum, 2.0) - leastTaken <= best.Share;

    /// <summary>Evaluates a node only when its share after placing could beat the best so far (the share needs no feasibility check).</summary>
    private static void Consider(PlacementLedger ledger, Demand demand, int node, long pages, int cpus, bool pack, ref NodeChoice? best)
    {
        var allocation = ledger.Allocation;
        if (allocation.FreePages(node, demand.Slot) < pages || allocation.FreeCpus(node) < cpus)
        {
            return;
        }

        var share = allocation.FreeShareAfter(node, demand.Slot, pages, cpus);
        if (best is not null && (pack ? share >= best.Share : share <= best.Share))
        {
            return;
        }

        if (Evaluate(ledger, demand, ledger.Snapshot.Nodes[node], out var choice) is null)
        {
            best = choice! with { Share = share };
        }
    }

    /// <summary>NumaBestFit: walks the per-NUMA-node page index from the demand upward; stops when no later entry can beat the best.</summary>
    private static NodeChoice? SearchTightestNuma(PlacementLedger ledger, Demand demand)
    {
        var snapshot = ledger.Snapshot;
        var index = ledger.IndexOf(demand.Slot);
        var d = demand.PagesPerGuestNode;
        var k = demand.GuestNodes;
        bool[]? evaluated = k > 1 ? new bool[snapshot.Nodes.Length] : null;
        NodeChoice? best = null;
        const long rankMask = (1L << PlacementLedger.RankBits) - 1;
        for (var p = index.LowerBound(d << PlacementLedger.RankBits); p < index.Count; p++)
        {
            var key = index[p];
            var free = key >> PlacementLedger.RankBits;

            var nodeIndex = snapshot.NumaByRank[(int)(key & rankMask)].Node;

            // Every fitting host NUMA node of a node met from here on has at least `free` pages: it leaves at least k × (free - d).
            // At equality it can only win on distance (impossible once the best has the cluster's least) or on a lower
            // node index (impossible from here: entries of equal free pages come in node order).
            if (best is not null)
            {
                var leastLeft = k * (free - d);
                if (leastLeft > best.PagesLeft
                    || (leastLeft == best.PagesLeft && nodeIndex >= best.Node.Index && best.DistanceSum <= snapshot.LeastDistanceSum(k)))
                {
                    break;
                }
            }

            if (evaluated is not null)
            {
                if (evaluated[nodeIndex])
                {
                    continue;
                }

                evaluated[nodeIndex] = true;
            }

            if (Evaluate(ledger, demand, snapshot.Nodes[nodeIndex], out var choice) is null && IsTighter(choice!, best))
            {
                best = choice;
            }
        }

        return best;
    }

    private static bool IsTighter(NodeChoice candidate, NodeChoice? best)
    {
        if (best is null)
        {
            return true;
        }

        if (candidate.PagesLeft != best.PagesLeft)
        {
            return candidate.PagesLeft < best.PagesLeft;
        }

        if (candidate.DistanceSum != best.DistanceSum)
        {
            return candidate.DistanceSum < best.DistanceSum;
        }

        return candidate.Node.Index < best.Node.Index;
    }

    /// <summary>
    /// Greedy over the node's fitting host NUMA nodes, k times: the one leaving the fewest pages (Spread: the most),
    /// then nearest to those chosen, then lowest id; q+1-CPU candidates are forced once the remaining slots are needed for them.
    /// </summary>
    private static NodeChoice Choose(PlacementLedger ledger, Demand demand, SnapshotNode node, ReadOnlySpan<byte> fit, Accelerator accelerator)
    {
        var k = demand.GuestNodes;
        var loosest = demand.Policy is PackingPolicy.Spread or PackingPolicy.Consolidate;
        var chosen = new int[k];
        var bigChosen = 0;
        long pagesLeft = 0;
        long distanceSum = 0;
        for (var step = 0; step < k; step++)
        {
            var forceBig = demand.BigGuestNodes - bigChosen >= k - step;
            int pick = -1;
            long pickLeft = 0, pickDistance = 0;
            for (var j = 0; j < fit.Length; j++)
            {
                if (fit[j] == 0 || (forceBig && fit[j] < 2) || Array.IndexOf(chosen, j, 0, step) >= 0)
                {
                    continue;
                }

                var left = ledger.FreePagesAt(node.Numa[j].Rank, demand.Slot) - demand.PagesPerGuestNode;
                long distance = 0;
                for (var c = 0; c < step; c++)
                {
                    distance += node.Distance[chosen[c], j];
                }

                if (pick < 0 || (loosest ? left > pickLeft : left < pickLeft) || (left == pickLeft && distance < pickDistance))
                {
                    pick = j;
                    pickLeft = left;
                    pickDistance = distance;
                }
            }

            chosen[step] = pick;
            if (fit[pick] == 2)
            {
                bigChosen++;
            }

            pagesLeft += pickLeft;
            distanceSum += pickDistance;
        }

        return new NodeChoice(node, chosen, fit.ToArray(), pagesLeft, distanceSum, accelerator);
    }

    /// <param name="Accelerator">The accelerator the node runs the VM under (<see cref="AcceleratorMatch"/>).</param>
    /// <param name="Share">The node's free share after placing (<see cref="NodeAllocationIndex"/>); 0 under NumaBestFit, which does not look at it.</param>
    private sealed record NodeChoice(SnapshotNode Node, int[] Chosen, byte[] Fit, long PagesLeft, long DistanceSum, Accelerator Accelerator, double Share = 0);
}
