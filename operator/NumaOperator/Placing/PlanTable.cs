using System.Globalization;
using System.Text;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Cli.Placing;

/// <summary>
/// The people-facing output of <c>numa-operator place</c>: one row per VM in kubectl's column style (never wrapped,
/// so it greps and pipes well, and 10,000 rows print instantly), then the totals.
/// </summary>
public static class PlanTable
{
    private static readonly string[] Headers = ["VM", "RESULT", "NODE", "NUMA", "PAGES", "HOST CPUS", "MESSAGE"];

    public static void Write(IReadOnlyList<PlannedVm> plan, int nodeCount, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(output);
        var rows = new List<string[]>(plan.Count + 1) { Headers };
        foreach (var row in plan)
        {
            var placement = row.Vm.Status?.Placement;
            if (row.Result is PlanResult.Placed or PlanResult.AlreadyPlaced && placement is not null)
            {
                rows.Add([
                    OneLineText.Of(row.Vm.Key),
                    row.Result.ToString(),
                    row.Vm.Status!.NodeName ?? string.Empty,
                    string.Join(",", placement.GuestNodes.Select(g => g.HostNode.ToString(CultureInfo.InvariantCulture))),
                    placement.PageSize,
                    HostCpus(placement),
                    string.Empty,
                ]);
            }
            else
            {
                rows.Add([OneLineText.Of(row.Vm.Key), row.Result.ToString(), "-", "-", "-", "-", OneLineText.Of(row.Message)]);
            }
        }

        var widths = new int[Headers.Length];
        foreach (var cells in rows)
        {
            for (var c = 0; c < cells.Length; c++)
            {
                widths[c] = Math.Max(widths[c], cells[c].Length);
            }
        }

        var line = new StringBuilder();
        foreach (var cells in rows)
        {
            line.Clear();
            for (var c = 0; c < cells.Length; c++)
            {
                line.Append(cells[c]);
                if (c < cells.Length - 1)
                {
                    line.Append(' ', widths[c] - cells[c].Length + 3);
                }
            }

            output.WriteLine(line.ToString().TrimEnd());
        }

        output.WriteLine();
        output.WriteLine(Totals(plan));
        output.WriteLine(NodesUsed(plan, nodeCount));
    }

    /// <summary>"412 of 1000 nodes hold a VM": how many nodes the plan uses (placed now or already placed).</summary>
    public static string NodesUsed(IReadOnlyList<PlannedVm> plan, int nodeCount)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var used = plan.Where(p => p.Result is PlanResult.Placed or PlanResult.AlreadyPlaced)
            .Select(p => p.Vm.Status?.NodeName)
            .Where(n => !string.IsNullOrEmpty(n))
            .Distinct(StringComparer.Ordinal)
            .Count();
        return string.Create(CultureInfo.InvariantCulture, $"{used} of {nodeCount} nodes hold a VM");
    }

    public static string Totals(IReadOnlyList<PlannedVm> plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        int Count(PlanResult r) => plan.Count(p => p.Result == r);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{plan.Count} VMs: {Count(PlanResult.Placed)} placed now, {Count(PlanResult.AlreadyPlaced)} already placed, {Count(PlanResult.Unschedulable)} unschedulable, {Count(PlanResult.InvalidSpec)} invalid, {Count(PlanResult.Conflict)} conflicting");
    }

    private static string HostCpus(PlacementStatus placement)
    {
        var cpus = placement.GuestNodes.Select(g => g.HostCpus).ToList();
        return cpus.All(string.IsNullOrEmpty) ? "shared" : string.Join(" | ", cpus);
    }
}
