using Google.OrTools.LinearSolver;

namespace NumaOperator.Cli.Placing.Optimal;

/// <summary>What one host holds in a plan: how many VMs of each type sit on each of its cell assignments.</summary>
/// <param name="Counts">(type, index into <see cref="PlanInstance.Assignments"/>) → VMs.</param>
public sealed record HostPattern(int Class, IReadOnlyDictionary<(int Type, int Assignment), int> Counts)
{
    /// <summary>VMs of <paramref name="type"/> in the pattern.</summary>
    public int Of(int type) => Counts.Where(c => c.Key.Type == type).Sum(c => c.Value);

    /// <summary>A key equal for equal patterns, so the column pool holds each once.</summary>
    public string Signature => $"{Class}:" + string.Join(",", Counts.Where(c => c.Value > 0).OrderBy(c => c.Key).Select(c => $"{c.Key.Type}/{c.Key.Assignment}x{c.Value}"));
}

/// <summary>
/// The pricing problem of the column generation: the host pattern of one class with the largest total weight
/// (a weight per VM type, the master's dual prices), as an integer program over the class's free cells, solved to
/// optimality by SCIP. A cell's pages of each size and its CPUs bound what sits on it; a cell that holds a
/// non-dedicated VM keeps one CPU unpinned, as the engine's rule.
/// </summary>
public static class PatternPricer
{
    /// <summary>The best pattern and an upper bound of the best weight (equal to it when SCIP proved optimality).</summary>
    public static (HostPattern Pattern, double Value, double Bound) Best(PlanInstance instance, HostClass hostClass, IReadOnlyList<double> weights, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(hostClass);
        ArgumentNullException.ThrowIfNull(weights);
        using var solver = Solver.CreateSolver("SCIP") ?? throw new InvalidOperationException("OR-Tools has no SCIP solver in this build");
        solver.SetTimeLimit((long)limit.TotalMilliseconds);
        var vars = AddCountVariables(solver, instance, hostClass, weights);
        var objective = solver.Objective();
        for (var c = 0; c < hostClass.Cells.Count; c++)
        {
            AddCellCapacity(solver, instance, hostClass, vars, c);
        }

        var status = solver.Solve();
        if (status is not (Solver.ResultStatus.OPTIMAL or Solver.ResultStatus.FEASIBLE))
        {
            return (new HostPattern(hostClass.Index, new Dictionary<(int, int), int>()), 0, vars.Count == 0 ? 0 : double.PositiveInfinity);
        }

        var counts = vars.Where(kv => Math.Round(kv.Value.SolutionValue()) > 0)
            .ToDictionary(kv => kv.Key, kv => (int)Math.Round(kv.Value.SolutionValue()));
        var value = counts.Sum(kv => weights[kv.Key.Type] * kv.Value);
        var bound = objective.BestBound(); // proven, whatever the status and SCIP's gap tolerance
        return (new HostPattern(hostClass.Index, counts), value, double.IsNaN(bound) ? double.PositiveInfinity : Math.Max(value, bound));
    }

    /// <summary>One integer variable per (VM type, assignment): how many VMs of the type sit there, each worth its weight.</summary>
    private static Dictionary<(int Type, int Assignment), Variable> AddCountVariables(Solver solver, PlanInstance instance, HostClass hostClass, IReadOnlyList<double> weights)
    {
        var vars = new Dictionary<(int Type, int Assignment), Variable>();
        var objective = solver.Objective();
        foreach (var type in instance.Types)
        {
            if (weights[type.Index] <= 1e-9)
            {
                continue; // a VM worth nothing never improves a pattern
            }

            var assignments = instance.Assignments(hostClass, type);
            for (var a = 0; a < assignments.Count; a++)
            {
                var v = solver.MakeIntVar(0, type.Demand, $"n_{type.Index}_{a}");
                vars[(type.Index, a)] = v;
                objective.SetCoefficient(v, weights[type.Index]);
            }
        }

        objective.SetMaximization();
        return vars;
    }

    /// <summary>Cell <paramref name="c"/>'s free pages of each size and its CPUs bound what the assignments put on it.</summary>
    private static void AddCellCapacity(Solver solver, PlanInstance instance, HostClass hostClass, Dictionary<(int Type, int Assignment), Variable> vars, int c)
    {
        var cell = hostClass.Cells[c];
        var pages = new Constraint[PlanInstance.PageSizes.Length];
        for (var s = 0; s < pages.Length; s++)
        {
            pages[s] = solver.MakeConstraint(double.NegativeInfinity, cell.FreePages[s]);
        }

        var cpu = solver.MakeConstraint(double.NegativeInfinity, cell.FreeCpus - (cell.Floating ? 1 : 0));
        Variable? floats = null;
        foreach (var ((t, a), v) in vars)
        {
            var type = instance.Types[t];
            var assignment = instance.Assignments(hostClass, type)[a];
            var at = Array.IndexOf(assignment.Cells, c);
            if (at < 0)
            {
                continue;
            }

            pages[type.PageSlot].SetCoefficient(v, type.PagesPerCell);
            if (type.Shape.DedicatedCpus)
            {
                cpu.SetCoefficient(v, type.CpusPerCell(assignment.Big[at]));
            }
            else if (!cell.Floating)
            {
                // A first non-dedicated VM here takes one CPU out of what dedicated VMs may pin.
                floats ??= solver.MakeBoolVar($"f_{c}");
                var link = solver.MakeConstraint(double.NegativeInfinity, 0);
                link.SetCoefficient(v, 1);
                link.SetCoefficient(floats, -type.Demand);
            }
        }

        if (floats is not null)
        {
            cpu.SetCoefficient(floats, 1);
        }
    }
}
