using System.Diagnostics;
using System.Globalization;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Cli.Placing.Optimal;

/// <summary>How good the offline plan is, and what proves it.</summary>
/// <param name="Achieved">VMs placed (MostVmsPlaced) or idle nodes put to use (FewestNodes) by the plan.</param>
/// <param name="Bound">What no plan can beat: at most this many VMs, or at least this many nodes.</param>
/// <param name="Proven">False when the time limit stopped the pricing before the bound was reached (the bound is still valid).</param>
public sealed record PlanQuality(PlanGoal Goal, int Achieved, int Bound, bool Proven, int Patterns, int Rounds, TimeSpan Elapsed)
{
    /// <summary>Relative distance to the bound: 0 = proven optimal.</summary>
    public double Gap => Bound == 0 ? 0 : Math.Abs(Bound - Achieved) / (double)Bound;

    public override string ToString() => Goal == PlanGoal.MostVmsPlaced
        ? string.Create(CultureInfo.InvariantCulture, $"optimized plan: {Achieved} VMs placed; no plan places more than {Bound} (gap {Gap:P2}{(Proven ? string.Empty : ", bound not converged")}); {Patterns} host patterns, {Rounds} pricing rounds, {Elapsed.TotalSeconds:0.0} s")
        : string.Create(CultureInfo.InvariantCulture, $"optimized plan: every VM placed using {Achieved} idle nodes; no plan uses fewer than {Bound} (gap {Gap:P2}{(Proven ? string.Empty : ", bound not converged")}); {Patterns} host patterns, {Rounds} pricing rounds, {Elapsed.TotalSeconds:0.0} s");
}

/// <summary>
/// The offline plan of <c>numa-operator place --optimize</c>: VMs grouped into types and nodes into classes
/// (<see cref="PlanInstance"/>), a column generation over host patterns (<see cref="PlanMaster"/> +
/// <see cref="PatternPricer"/>) that proves a bound, CP-SAT choosing the patterns, and the chosen patterns turned
/// into real placements by the engine (<see cref="PlacementEngine.DecideAt"/>), so the plan obeys exactly the
/// rules the controller does; whatever the patterns leave is then offered to the online policy.
/// </summary>
public static class OptimalPlanner
{
    /// <summary>Places <paramref name="pending"/> into <paramref name="ledger"/> (which holds the recorded placements) and says how good the plan is.</summary>
    public static PlanQuality Place(PlacementLedger ledger, IReadOnlyList<VmRequest> pending, PackingPolicy policy, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(pending);
        var clock = Stopwatch.StartNew();
        var instance = new PlanInstance(ledger, pending);
        var online = OnlinePatterns(ledger, instance, pending, policy, out var onlinePlaced);
        var goal = onlinePlaced == pending.Count ? PlanGoal.FewestNodes : PlanGoal.MostVmsPlaced;
        var master = new PlanMaster(instance, goal);
        foreach (var pattern in online)
        {
            master.Add(pattern);
        }
        var (bound, proven, rounds) = Generate(instance, master, goal, limit * 0.6, clock);
        var hintCounts = master.Pool.Select(p => online.Count(o => o.Signature == p.Signature)).ToList();
        var (hosts, _, solverBound) = master.SolveInteger(hintCounts, Remaining(limit, clock, TimeSpan.FromSeconds(1)));
        if (!double.IsNaN(solverBound))
        {
            bound = goal == PlanGoal.MostVmsPlaced ? Math.Min(bound, solverBound) : Math.Max(bound, solverBound);
        }

        Realize(ledger, instance, master.Pool, hosts, pending);
        FillLeftovers(ledger, pending, policy);
        var placed = pending.Count(r => ledger.Contains(r.Key));
        var achieved = goal == PlanGoal.MostVmsPlaced ? placed : IdleNodesUsed(ledger, instance);
        var proof = goal == PlanGoal.MostVmsPlaced ? (int)Math.Floor(bound + 1e-6) : (int)Math.Ceiling(bound - 1e-6);
        if (goal == PlanGoal.FewestNodes && placed < pending.Count)
        {
            // Cannot happen when the patterns cover the demand; say so rather than report nodes for a partial plan.
            throw new InvalidOperationException($"the optimized plan placed {placed} of {pending.Count} VMs that the online policy placed");
        }

        return new PlanQuality(goal, achieved, proof, proven, master.Pool.Count, rounds, clock.Elapsed);
    }

    /// <summary>Column generation: price a pattern per class until none improves the relaxation; returns the best Lagrangian bound seen.</summary>
    private static (double Bound, bool Proven, int Rounds) Generate(PlanInstance instance, PlanMaster master, PlanGoal goal, TimeSpan budget, Stopwatch clock)
    {
        var bound = goal == PlanGoal.MostVmsPlaced ? double.PositiveInfinity : double.NegativeInfinity;
        for (var round = 1; ; round++)
        {
            var (value, prices) = master.SolveRelaxation();
            var best = new double[instance.Classes.Count];
            var added = false;
            foreach (var hostClass in instance.Classes)
            {
                var (pattern, _, patternBound) = PatternPricer.Best(instance, hostClass, prices, TimeSpan.FromSeconds(10));
                best[hostClass.Index] = patternBound;
                added |= master.Add(pattern);
            }

            var lagrangian = master.LagrangianBound(prices, best);
            bound = goal == PlanGoal.MostVmsPlaced ? Math.Min(bound, lagrangian) : Math.Max(bound, lagrangian);

            // Converged when the bound meets the relaxation over the pool: no pattern anywhere can improve it.
            var converged = Math.Abs(bound - value) <= (1e-4 * Math.Max(1, Math.Abs(value))) + 1e-6;
            if (converged || !added || clock.Elapsed > budget)
            {
                return (bound, converged, round);
            }
        }
    }

    private static TimeSpan Remaining(TimeSpan limit, Stopwatch clock, TimeSpan least) => limit - clock.Elapsed > least ? limit - clock.Elapsed : least;

    /// <summary>The online policy's plan on a scratch ledger, as one pattern per node it put VMs on (the first columns and CP-SAT's hint).</summary>
    private static List<HostPattern> OnlinePatterns(PlacementLedger ledger, PlanInstance instance, IReadOnlyList<VmRequest> pending, PackingPolicy policy, out int placed)
    {
        var scratch = PlacementLedger.Rebuild(ledger.Snapshot, ledger.Placements, out _);
        var typeOf = instance.Types.SelectMany(t => t.Keys.Select(k => (k, t))).ToDictionary(x => x.k, x => x.t, StringComparer.Ordinal);
        var classOf = instance.Classes.SelectMany(c => c.Nodes.Select(n => (n, c))).ToDictionary(x => x.n, x => x.c, StringComparer.Ordinal);
        var perNode = new Dictionary<string, Dictionary<(int, int), int>>(StringComparer.Ordinal);
        placed = 0;
        foreach (var request in pending)
        {
            if (PlacementEngine.Decide(scratch, request, policy) is not PlacementDecision.Placed decision)
            {
                continue;
            }

            scratch.Place(request.Key, decision.Placement);
            placed++;
            var hostClass = classOf[decision.Placement.NodeName];
            var type = typeOf[request.Key];
            var cells = decision.Placement.GuestNodes.Select(g => hostClass.Cells.ToList().FindIndex(c => c.Id == g.HostNode)).ToArray();
            var big = decision.Placement.GuestNodes.Select(g => g.Vcpus.Count > request.Vcpus / request.GuestNodes).ToArray();
            var index = instance.Assignments(hostClass, type).ToList().FindIndex(a => Same(a, cells, big));
            if (index >= 0)
            {
                var counts = perNode.TryGetValue(decision.Placement.NodeName, out var known) ? known : perNode[decision.Placement.NodeName] = [];
                counts[(type.Index, index)] = counts.GetValueOrDefault((type.Index, index)) + 1;
            }
        }

        return [.. perNode.Select(n => new HostPattern(classOf[n.Key].Index, n.Value))];
    }

    private static bool Same(CellAssignment assignment, int[] cells, bool[] big)
    {
        var order = cells.Select((c, i) => (c, big[i])).OrderBy(x => x.c).ToArray();
        var mine = assignment.Cells.Select((c, i) => (c, assignment.Big[i])).OrderBy(x => x.c).ToArray();
        return order.SequenceEqual(mine);
    }

    /// <summary>Hands each class's nodes (name order) their patterns and places VMs of each type, in input order, where the pattern says.</summary>
    private static void Realize(PlacementLedger ledger, PlanInstance instance, IReadOnlyList<HostPattern> pool, int[] hosts, IReadOnlyList<VmRequest> pending)
    {
        var requests = pending.ToDictionary(r => r.Key, StringComparer.Ordinal);
        var queues = instance.Types.Select(t => new Queue<string>(t.Keys)).ToArray();
        var nextNode = new int[instance.Classes.Count];
        for (var i = 0; i < pool.Count; i++)
        {
            var hostClass = instance.Classes[pool[i].Class];
            for (var h = 0; h < hosts[i] && nextNode[hostClass.Index] < hostClass.Nodes.Count; h++)
            {
                var node = hostClass.Nodes[nextNode[hostClass.Index]++];

                // Floating VMs first: a dedicated one placed before them could take the CPU they need.
                foreach (var ((t, a), count) in pool[i].Counts.OrderBy(c => instance.Types[c.Key.Type].Shape.DedicatedCpus))
                {
                    var assignment = instance.Assignments(hostClass, instance.Types[t])[a];
                    var hostNodes = assignment.Cells.Select(c => hostClass.Cells[c].Id).ToArray();
                    for (var n = 0; n < count && queues[t].Count > 0; n++)
                    {
                        var request = requests[queues[t].Peek()];
                        if (PlacementEngine.DecideAt(ledger, request, node, hostNodes) is not { } placement)
                        {
                            break; // left for FillLeftovers
                        }

                        ledger.Place(queues[t].Dequeue(), placement);
                    }
                }
            }
        }
    }

    private static void FillLeftovers(PlacementLedger ledger, IReadOnlyList<VmRequest> pending, PackingPolicy policy)
    {
        foreach (var request in pending.Where(r => !ledger.Contains(r.Key)))
        {
            if (PlacementEngine.Decide(ledger, request, policy) is PlacementDecision.Placed placed)
            {
                ledger.Place(request.Key, placed.Placement);
            }
        }
    }

    private static int IdleNodesUsed(PlacementLedger ledger, PlanInstance instance)
    {
        var used = ledger.Placements.Select(p => p.Value.NodeName).ToHashSet(StringComparer.Ordinal);
        return instance.Classes.Where(c => c.Idle).Sum(c => c.Nodes.Count(used.Contains));
    }
}
