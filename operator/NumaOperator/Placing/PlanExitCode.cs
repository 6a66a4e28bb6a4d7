namespace NumaOperator.Cli.Placing;

/// <summary>
/// The exit code of <c>numa-operator place</c> for a plan, so a script can gate on it without parsing the output:
/// 0 every VM has a placement (placed now or already placed); 1 the input is valid but at least one VM has none
/// (unschedulable, or its recorded placement conflicts with another's) — a fact about the fleet, exit 1 as for
/// <c>standalone --exit-when-ready</c> when a VM is unschedulable; 2 at least one VM's spec fails validation (bad
/// input, as an unreadable file is). Bad input wins over an unplaced VM: fixing the spec comes first.
/// </summary>
public static class PlanExitCode
{
    public static int Of(IReadOnlyList<PlannedVm> plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Any(p => p.Result == PlanResult.InvalidSpec))
        {
            return ExitCodes.BadInput;
        }

        return plan.Any(p => p.Result is PlanResult.Unschedulable or PlanResult.Conflict) ? ExitCodes.Failure : ExitCodes.Success;
    }
}
