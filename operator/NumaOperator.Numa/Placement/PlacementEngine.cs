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
/// <para>Score: the <see cref="PackingPolicy"/> (PlacementEngine.Search.cs). Consolidate (the default) takes, among the
/// nodes already holding a VM, the least allocated after placing, and an idle node only when none fits; Pack the node left most
/// allocated after placing (free CPU share + free page share of the VM's page size), within it the host NUMA nodes left
/// with the fewest free pages; Spread the least allocated node and the host NUMA nodes with the most free pages;
/// NumaBestFit the tightest host NUMA nodes anywhere: (1) the free pages left on the chosen host NUMA nodes after
/// placing, summed; (2) the sum over every pair of chosen host NUMA nodes of their SLIT distance both ways (a→b + b→a);
/// (3) the node name (ordinal). Within a node the chosen host NUMA nodes are picked greedily by (pages left, distance
/// to those already chosen, NUMA id).</para>
/// <para>Speed. The ledger indexes every node by its free share per page size, and every host NUMA node with a free
/// CPU by (free pages, rank) per page size; the engine walks the index its policy needs from the most promising end
/// and stops once no later entry can beat the best score, so a decision evaluates a handful of nodes, not the cluster.
/// Only a VM that fits nowhere costs a full pass, which collects the per-node reasons.</para>
/// </remarks>
public static partial class PlacementEngine
{
    /// <summary>Decides with the default policy (<see cref="PackingPolicies.Default"/>).</summary>
    public static PlacementDecision Decide(PlacementLedger ledger, VmRequest request) => Decide(ledger, request, PackingPolicies.Default);

    public static PlacementDecision Decide(PlacementLedger ledger, VmRequest request, PackingPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(request);
        var snapshot = ledger.Snapshot;
        var demand = new Demand(snapshot, request, policy);
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

    /// <summary>
    /// The placement of <paramref name="request"/> on exactly the host NUMA nodes <paramref name="hostNodeIds"/> of
    /// <paramref name="nodeName"/> (one per guest node), with the same feasibility rules and CPU choice as
    /// <see cref="Decide(PlacementLedger, VmRequest, PackingPolicy)"/>; null when they cannot take it. For plans made
    /// elsewhere (the offline optimizer) that must still be placements this engine would accept.
    /// </summary>
    public static VmPlacement? DecideAt(PlacementLedger ledger, VmRequest request, string nodeName, IReadOnlyCollection<int> hostNodeIds)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(hostNodeIds);
        var index = ledger.Snapshot.IndexOf(nodeName);
        var demand = new Demand(ledger.Snapshot, request, PackingPolicies.Default);
        if (index < 0 || demand.Slot < 0 || demand.PagesPerGuestNode <= 0 || hostNodeIds.Count != demand.GuestNodes)
        {
            return null;
        }

        var node = ledger.Snapshot.Nodes[index];
        if (Evaluate(ledger, demand, node, out var anywhere) is not null)
        {
            return null;
        }

        var chosen = hostNodeIds.Select(node.LocalIndexOf).Distinct().ToArray();
        if (chosen.Length != demand.GuestNodes || chosen.Any(j => j < 0 || anywhere!.Fit[j] == 0) || chosen.Count(j => anywhere!.Fit[j] == 2) < demand.BigGuestNodes)
        {
            return null;
        }

        return Build(ledger, demand, anywhere! with { Chosen = chosen });
    }

    /// <summary>Null when the node fits (then <paramref name="choice"/> holds its best host NUMA nodes), else the reason it does not.</summary>
    private static string? Evaluate(PlacementLedger ledger, Demand demand, SnapshotNode node, out NodeChoice? choice)
    {
        choice = null;
        if (node.Source.Unschedulable is { } unschedulable)
        {
            return unschedulable;
        }

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

        Span<byte> fit = numaCount <= 128 ? stackalloc byte[numaCount] : new byte[numaCount]; // 0 no, 1 fits q vCPUs, 2 fits q+1
        var counts = CountFits(ledger, demand, node, fit);
        if (Shortfall(demand, counts) is { } reason)
        {
            return reason;
        }

        choice = Choose(ledger, demand, node, fit, accelerator.Value);
        return null;
    }

    /// <summary>How many of a node's host NUMA nodes pass each test in turn (allowed, memory, CPUs, vCPU fit).</summary>
    private readonly record struct FitCounts(int Allowed, int WithMemory, int WithCpus, int SmallFit, int BigFit);

    /// <summary>Marks in <paramref name="fit"/> which host NUMA nodes of the node take a guest node (the hot loop: no allocation).</summary>
    private static FitCounts CountFits(PlacementLedger ledger, Demand demand, SnapshotNode node, Span<byte> fit)
    {
        int allowed = 0, withMemory = 0, withCpus = 0, smallFit = 0, bigFit = 0;
        for (var j = 0; j < fit.Length; j++)
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

        return new FitCounts(allowed, withMemory, withCpus, smallFit, bigFit);
    }

    /// <summary>Null when enough host NUMA nodes fit, else the first test too few of them passed.</summary>
    private static string? Shortfall(Demand demand, in FitCounts counts)
    {
        var k = demand.GuestNodes;
        if (counts.Allowed < k)
        {
            var within = demand.AllowedHostNodes is null ? string.Empty : $" in spec.numa.nodes \"{demand.AllowedHostNodes}\"";
            return k == 1 ? $"had no NUMA node{within}" : $"had fewer than {k} NUMA nodes{within}";
        }

        if (counts.WithMemory < k)
        {
            return demand.Lacking(k, string.Empty);
        }

        if (counts.WithCpus < k)
        {
            return demand.Lacking(k, " and CPUs");
        }

        if (counts.SmallFit < k)
        {
            return demand.Dedicated ? demand.Lacking(k, $" and {demand.VcpusSmall} free CPUs") : demand.Lacking(k, " and an unpinned CPU");
        }

        return counts.BigFit < demand.BigGuestNodes ? demand.Lacking(demand.BigGuestNodes, $" and {demand.VcpusSmall + 1} free CPUs") : null;
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

    /// <summary>The request reduced to what the hot loop compares, computed once per decision.</summary>
    private sealed class Demand
    {
        public Demand(ClusterSnapshot snapshot, VmRequest request, PackingPolicy policy)
        {
            Request = request;
            Policy = policy;
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

        public PackingPolicy Policy { get; }

        /// <summary>Host CPUs the VM pins (0 when it floats).</summary>
        public int PinnedCpus => Dedicated ? Request.Vcpus : 0;

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
