using System.Collections.Concurrent;
using System.Globalization;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Numa.Placement;

/// <summary>
/// Decides where one VM goes. Pure: reads the snapshot and ledger, writes nothing (the caller records the result
/// with <see cref="PlacementLedger.Place"/>), no clock, no I/O; the same inputs always give the same decision.
/// </summary>
/// <remarks>
/// <para>Feasibility. A node fits when it matches spec.nodeSelector and has GuestNodes distinct host NUMA nodes,
/// each in spec.numa.nodes (when given), each with MemoryPerGuestNode of free pages of the requested size, each
/// with CPUs: a dedicated guest node needs as many free CPUs (not reserved, not pinned) as it has vCPUs, and must
/// leave one unpinned CPU where non-dedicated VMs float; a non-dedicated guest node needs one unpinned CPU.
/// Memory-only NUMA nodes therefore never host a guest node. The node must also run spec.cpu.model under an
/// accelerator spec.accelerator accepts (<see cref="AcceleratorMatch"/>); a VM that accepts KVM or emulation is
/// searched for under KVM first and placed under emulation only where no node gives it KVM. Per-guest-node demands are identical except the
/// vCPU remainder (the first Vcpus % GuestNodes guest nodes take one more), so matching guest to host nodes is
/// a greedy choice over the node's candidates, O(GuestNodes × NUMA nodes²), never a permutation search.</para>
/// <para>Score (lowest wins, compared in this order): (1) best fit: the free pages left on the chosen host NUMA
/// nodes after placing, summed, so small VMs fill tight holes and large holes stay for large VMs; (2) the sum over
/// every pair of chosen host NUMA nodes of their SLIT distance both ways (a→b + b→a); (3) the node name (ordinal); within a node the
/// chosen host NUMA nodes are picked greedily by (pages left, distance to those already chosen, NUMA id).</para>
/// <para>Speed. The ledger indexes every host NUMA node with a free CPU by (free pages, rank) per page size; the
/// engine walks that index upward from the demand and stops once no later node can beat the best score, so a
/// decision touches a handful of nodes, not the cluster. Only a VM that fits nowhere costs a full pass, which
/// collects the per-node reasons.</para>
/// </remarks>
public static class PlacementEngine
{
    public static PlacementDecision Decide(PlacementLedger ledger, VmRequest request)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(request);
        var snapshot = ledger.Snapshot;
        var demand = new Demand(snapshot, request);
        NodeChoice? best = null;
        if (demand.Slot >= 0 && demand.PagesPerGuestNode > 0)
        {
            // One search per accelerator the VM accepts, KVM first: a VM that takes either runs under KVM wherever any node offers it.
            foreach (var accelerator in AcceleratorMatch.Candidates(request.Accelerator, null))
            {
                demand.Only = accelerator;
                best = Search(ledger, demand);
                if (best is not null)
                {
                    break;
                }
            }
        }

        if (best is not null)
        {
            return new PlacementDecision.Placed(Build(ledger, demand, best));
        }

        demand.Only = null; // the reasons weigh every accelerator the VM accepts
        var rejections = new List<NodeRejection>(snapshot.Nodes.Length);
        foreach (var node in snapshot.Nodes)
        {
            var reason = Evaluate(ledger, demand, node, out _) ?? "no placement fits"; // unreachable: Search found none
            rejections.Add(new NodeRejection(node.Name, reason));
        }

        return new PlacementDecision.NotSchedulable(rejections, UnschedulableSummary.Format(snapshot.Nodes.Length, rejections));
    }

    /// <summary>Walks the page-size index from the demand upward; stops when no later entry can beat the best.</summary>
    private static NodeChoice? Search(PlacementLedger ledger, Demand demand)
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

            if (Evaluate(ledger, demand, snapshot.Nodes[nodeIndex], out var choice) is null && IsBetter(choice!, best))
            {
                best = choice;
            }
        }

        return best;
    }

    private static bool IsBetter(NodeChoice candidate, NodeChoice? best)
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

    /// <summary>Null when the node fits (then <paramref name="choice"/> holds its best host NUMA nodes), else the reason it does not.</summary>
    private static string? Evaluate(PlacementLedger ledger, Demand demand, SnapshotNode node, out NodeChoice? choice)
    {
        choice = null;
        if (demand.Selector.Count > 0 && !node.Matches(demand.Selector))
        {
            return "did not match nodeSelector";
        }

        var accelerator = AcceleratorMatch.Choose(node.Source.Accelerators, demand.Request.Accelerator, demand.Request.CpuModel, demand.Only, out var acceleratorReason);
        if (accelerator is null)
        {
            return acceleratorReason ?? "no usable accelerator";
        }

        var numaCount = node.Numa.Length;
        if (numaCount == 0)
        {
            return "published no NUMA nodes";
        }

        var k = demand.GuestNodes;
        int allowed = 0, withMemory = 0, withCpus = 0, smallFit = 0, bigFit = 0;
        Span<byte> fit = numaCount <= 128 ? stackalloc byte[numaCount] : new byte[numaCount]; // 0 no, 1 fits q vCPUs, 2 fits q+1
        for (var j = 0; j < numaCount; j++)
        {
            var numa = node.Numa[j];
            fit[j] = 0;
            if (demand.AllowedHostNodes is { } allowedSet && !allowedSet.Contains(numa.Id))
            {
                continue;
            }

            allowed++;
            if (demand.Slot < 0 || ledger.FreePagesAt(numa.Rank, demand.Slot) < demand.PagesPerGuestNode)
            {
                continue;
            }

            withMemory++;
            if (numa.UsableCpuCount == 0)
            {
                continue;
            }

            withCpus++;
            var freeCpus = ledger.FreeCpusAt(numa.Rank);
            if (demand.Dedicated)
            {
                // Leave one unpinned CPU where non-dedicated VMs float.
                var spare = freeCpus - (ledger.FloatingGuestNodesAt(numa.Rank) > 0 ? 1 : 0);
                if (spare >= demand.VcpusSmall)
                {
                    smallFit++;
                    fit[j] = 1;
                    if (spare >= demand.VcpusSmall + 1)
                    {
                        bigFit++;
                        fit[j] = 2;
                    }
                }
            }
            else if (freeCpus >= 1)
            {
                smallFit++;
                bigFit++;
                fit[j] = 2;
            }
        }

        if (allowed < k)
        {
            var within = demand.AllowedHostNodes is null ? string.Empty : $" in spec.numa.nodes \"{demand.AllowedHostNodes}\"";
            return k == 1 ? $"had no NUMA node{within}" : $"had fewer than {k} NUMA nodes{within}";
        }

        if (withMemory < k)
        {
            return demand.Lacking(k, string.Empty);
        }

        if (withCpus < k)
        {
            return demand.Lacking(k, " and CPUs");
        }

        if (smallFit < k)
        {
            return demand.Dedicated ? demand.Lacking(k, $" and {demand.VcpusSmall} free CPUs") : demand.Lacking(k, " and an unpinned CPU");
        }

        if (bigFit < demand.BigGuestNodes)
        {
            return demand.Lacking(demand.BigGuestNodes, $" and {demand.VcpusSmall + 1} free CPUs");
        }

        choice = Choose(ledger, demand, node, fit, accelerator.Value);
        return null;
    }

    /// <summary>Greedy: k times, the candidate leaving the fewest pages (then nearest to those chosen, then lowest id), forcing q+1-CPU candidates once the remaining slots are needed for them.</summary>
    private static NodeChoice Choose(PlacementLedger ledger, Demand demand, SnapshotNode node, ReadOnlySpan<byte> fit, Accelerator accelerator)
    {
        var k = demand.GuestNodes;
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

                if (pick < 0 || left < pickLeft || (left == pickLeft && distance < pickDistance))
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

    private static VmPlacement Build(PlacementLedger ledger, Demand demand, NodeChoice choice)
    {
        var request = demand.Request;
        var k = demand.GuestNodes;

        // Guest node g gets the lowest-id chosen host node still free; the first r guest nodes (one vCPU more) only q+1-CPU hosts.
        var byId = (int[])choice.Chosen.Clone();
        Array.Sort(byId); // local positions follow ascending NUMA id
        var used = new bool[k];
        var guests = new GuestNodePlacement[k];
        var firstVcpu = 0;
        for (var g = 0; g < k; g++)
        {
            var vcpus = request.VcpusOf(g);
            var slot = -1;
            for (var i = 0; i < k; i++)
            {
                if (!used[i] && (g >= demand.BigGuestNodes || choice.Fit[byId[i]] == 2))
                {
                    slot = i;
                    break;
                }
            }

            used[slot] = true;
            var numa = choice.Node.Numa[byId[slot]];
            var hostCpus = CpuSet.Empty;
            if (demand.Dedicated)
            {
                var locals = DedicatedCpuPicker.Pick(numa, ledger, vcpus)
                    ?? throw new InvalidOperationException($"host NUMA node {numa.Id} of {choice.Node.Name} lost its free CPUs during the decision");
                var cpus = new int[locals.Length];
                for (var c = 0; c < locals.Length; c++)
                {
                    cpus[c] = numa.Cpus[locals[c]];
                }

                hostCpus = CpuSet.Of(cpus);
            }

            guests[g] = new GuestNodePlacement(g, numa.Id, VcpuRange(firstVcpu, vcpus), hostCpus, request.MemoryPerGuestNode);
            firstVcpu += vcpus;
        }

        return new VmPlacement(choice.Node.Name, request.PageSize, guests)
        {
            Accelerator = choice.Accelerator,
            CpuModel = request.CpuModel,
            Policy = request.Policy,
        };
    }

    /// <summary>Guest vCPU index sets repeat endlessly ("0-3", "4-7"); building each once keeps LINQ out of the hot path.</summary>
    private static readonly ConcurrentDictionary<(int Start, int Count), CpuSet> VcpuRanges = new();

    private static CpuSet VcpuRange(int start, int count) =>
        start + count <= 256
            ? VcpuRanges.GetOrAdd((start, count), static key => CpuSet.Of(Enumerable.Range(key.Start, key.Count)))
            : CpuSet.Of(Enumerable.Range(start, count));

    private sealed record NodeChoice(SnapshotNode Node, int[] Chosen, byte[] Fit, long PagesLeft, long DistanceSum, Accelerator Accelerator);

    /// <summary>The request reduced to what the hot loop compares, computed once per decision.</summary>
    private sealed class Demand
    {
        public Demand(ClusterSnapshot snapshot, VmRequest request)
        {
            Request = request;
            Slot = snapshot.SlotOf(request.PageSize.Bytes);
            GuestNodes = Math.Max(1, request.GuestNodes);
            PagesPerGuestNode = request.MemoryPerGuestNode / request.PageSize.Bytes;
            VcpusSmall = request.Vcpus / GuestNodes;
            BigGuestNodes = request.Vcpus % GuestNodes;
            Dedicated = request.DedicatedCpus;
            AllowedHostNodes = request.AllowedHostNodes;
            Selector = request.NodeSelector;
        }

        private string MemoryText => Request.PageSize.IsHuge
            ? $"{PagesPerGuestNode.ToString(CultureInfo.InvariantCulture)} free {Request.PageSize} pages"
            : $"{ByteQuantity.Format(Request.MemoryPerGuestNode)} of free ordinary memory";

        public VmRequest Request { get; }

        public int Slot { get; }

        public int GuestNodes { get; }

        public long PagesPerGuestNode { get; }

        /// <summary>vCPUs of the guest nodes without the remainder (q).</summary>
        public int VcpusSmall { get; }

        /// <summary>Guest nodes with one vCPU more (r = Vcpus % GuestNodes).</summary>
        public int BigGuestNodes { get; }

        public bool Dedicated { get; }

        public CpuSet? AllowedHostNodes { get; }

        public IReadOnlyDictionary<string, string> Selector { get; }

        /// <summary>The accelerator this search pass is limited to; null weighs every one the VM accepts.</summary>
        public Accelerator? Only { get; set; }

        public string Lacking(int needed, string suffix) =>
            needed == 1 ? $"no NUMA node with {MemoryText}{suffix}" : $"fewer than {needed} NUMA nodes with {MemoryText}{suffix}";
    }
}
