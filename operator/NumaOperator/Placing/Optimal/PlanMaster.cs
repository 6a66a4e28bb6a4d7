using Google.OrTools.LinearSolver;
using Google.OrTools.Sat;
using Constraint = Google.OrTools.LinearSolver.Constraint;
using LinearExpr = Google.OrTools.Sat.LinearExpr;

namespace NumaOperator.Cli.Placing.Optimal;

/// <summary>What the plan optimizes: first as many VMs placed as possible; when all fit, as few idle nodes put to use.</summary>
public enum PlanGoal
{
    MostVmsPlaced,
    FewestNodes,
}

/// <summary>
/// The master problem over a pool of host patterns: how many hosts of each class take each pattern. Its linear
/// relaxation (GLOP) prices new patterns and, through Lagrangian bounds from the pricing, proves how good any plan
/// can be; the integer version (CP-SAT) picks the plan among the patterns found.
/// </summary>
public sealed class PlanMaster(PlanInstance instance, PlanGoal goal)
{
    private readonly List<HostPattern> _pool = [];
    private readonly HashSet<string> _signatures = new(StringComparer.Ordinal);

    public IReadOnlyList<HostPattern> Pool => _pool;

    /// <summary>Adds a pattern unless the pool holds it; true when added.</summary>
    public bool Add(HostPattern pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Counts.Count == 0 || !_signatures.Add(pattern.Signature))
        {
            return false;
        }

        _pool.Add(pattern);
        return true;
    }

    /// <summary>Cost of a host of <paramref name="hostClass"/> under the goal: an idle node put to use costs 1 when counting nodes.</summary>
    public double Cost(HostClass hostClass) => goal == PlanGoal.FewestNodes && hostClass.Idle ? 1 : 0;

    /// <summary>The relaxation over the pool: its value (VMs placed or nodes used) and a dual price per VM type (≥ 0).</summary>
    public (double Value, double[] Prices) SolveRelaxation()
    {
        using var solver = Solver.CreateSolver("GLOP") ?? throw new InvalidOperationException("OR-Tools has no GLOP solver in this build");
        var x = _pool.Select((p, i) => solver.MakeNumVar(0, double.PositiveInfinity, $"x{i}")).ToArray();
        var objective = solver.Objective();
        var cover = new Constraint[instance.Types.Count];
        foreach (var type in instance.Types)
        {
            // Both goals as minimisation over "covered ≥ ..." rows, so every price is a non-negative dual.
            if (goal == PlanGoal.MostVmsPlaced)
            {
                var placed = solver.MakeNumVar(0, type.Demand, $"s{type.Index}");
                objective.SetCoefficient(placed, -1);
                cover[type.Index] = solver.MakeConstraint(0, double.PositiveInfinity);
                cover[type.Index].SetCoefficient(placed, -1);
            }
            else
            {
                cover[type.Index] = solver.MakeConstraint(type.Demand, double.PositiveInfinity);
            }
        }

        foreach (var hostClass in instance.Classes)
        {
            var capacity = solver.MakeConstraint(-hostClass.Nodes.Count, double.PositiveInfinity);
            for (var i = 0; i < _pool.Count; i++)
            {
                if (_pool[i].Class == hostClass.Index)
                {
                    capacity.SetCoefficient(x[i], -1);
                    objective.SetCoefficient(x[i], Cost(hostClass));
                }
            }
        }

        for (var i = 0; i < _pool.Count; i++)
        {
            foreach (var type in instance.Types)
            {
                var count = _pool[i].Of(type.Index);
                if (count > 0)
                {
                    cover[type.Index].SetCoefficient(x[i], count);
                }
            }
        }

        objective.SetMinimization();
        if (solver.Solve() != Solver.ResultStatus.OPTIMAL)
        {
            throw new InvalidOperationException("the plan's linear relaxation has no optimum: the pool does not cover the demand");
        }

        var value = goal == PlanGoal.MostVmsPlaced ? -objective.Value() : objective.Value();
        return (value, [.. cover.Select(c => Math.Max(0, Math.Abs(c.DualValue())))]);
    }

    /// <summary>
    /// A bound on every plan, from prices and, per class, an upper bound of the best pattern's priced weight: the
    /// Lagrangian relaxation of the cover rows. Valid for any non-negative prices.
    /// </summary>
    public double LagrangianBound(IReadOnlyList<double> prices, IReadOnlyList<double> bestPatternBound)
    {
        ArgumentNullException.ThrowIfNull(prices);
        ArgumentNullException.ThrowIfNull(bestPatternBound);
        double bound = 0;
        foreach (var type in instance.Types)
        {
            bound += goal == PlanGoal.MostVmsPlaced ? type.Demand * Math.Max(0, 1 - prices[type.Index]) : prices[type.Index] * type.Demand;
        }

        foreach (var hostClass in instance.Classes)
        {
            var best = bestPatternBound[hostClass.Index];
            bound += goal == PlanGoal.MostVmsPlaced
                ? hostClass.Nodes.Count * Math.Max(0, best)
                : hostClass.Nodes.Count * Math.Min(0, Cost(hostClass) - best);
        }

        return bound;
    }

    /// <summary>The integer plan over the pool (CP-SAT), started from <paramref name="hint"/> (hosts per pool pattern); hosts per pattern.</summary>
    public (int[] Hosts, double Value, double SolverBound) SolveInteger(IReadOnlyList<int> hint, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(hint);
        var model = new CpModel();
        var x = _pool.Select((p, i) => model.NewIntVar(0, instance.Classes[p.Class].Nodes.Count, $"x{i}")).ToArray();
        for (var i = 0; i < x.Length; i++)
        {
            model.AddHint(x[i], i < hint.Count ? hint[i] : 0);
        }

        foreach (var hostClass in instance.Classes)
        {
            model.Add(LinearExpr.Sum(x.Where((_, i) => _pool[i].Class == hostClass.Index)) <= hostClass.Nodes.Count);
        }

        var placed = new List<LinearExpr>();
        foreach (var type in instance.Types)
        {
            var covered = LinearExpr.WeightedSum(x, _pool.Select(p => (long)p.Of(type.Index)));
            if (goal == PlanGoal.MostVmsPlaced)
            {
                var s = model.NewIntVar(0, type.Demand, $"s{type.Index}");
                model.Add(s <= covered);
                placed.Add(s);
            }
            else
            {
                model.Add(covered >= type.Demand);
            }
        }

        if (goal == PlanGoal.MostVmsPlaced)
        {
            model.Maximize(LinearExpr.Sum(placed));
        }
        else
        {
            model.Minimize(LinearExpr.WeightedSum(x, _pool.Select(p => (long)Cost(instance.Classes[p.Class]))));
        }

        var solver = new CpSolver { StringParameters = $"max_time_in_seconds:{limit.TotalSeconds:0.###} num_workers:2 random_seed:1" };
        var status = solver.Solve(model);
        if (status is not (CpSolverStatus.Optimal or CpSolverStatus.Feasible))
        {
            return ([.. hint], double.NaN, double.NaN);
        }

        return ([.. x.Select(v => (int)solver.Value(v))], solver.ObjectiveValue, solver.BestObjectiveBound);
    }
}
