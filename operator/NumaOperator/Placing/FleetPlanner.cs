using NumaOperator.Api.Conversion;
using NumaOperator.Api.Serialization;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.Cli.Placing.Optimal;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Cli.Placing;

/// <summary>What happened to one VM in an offline placement run.</summary>
public enum PlanResult
{
    /// <summary>It already had status.placement; the ledger counts it, nothing changed.</summary>
    AlreadyPlaced,

    /// <summary>Placed by this run.</summary>
    Placed,

    /// <summary>Valid, but no node fits; the message is the per-node summary.</summary>
    Unschedulable,

    /// <summary>Its spec fails validation; the message lists the field errors.</summary>
    InvalidSpec,

    /// <summary>Its recorded placement would double-book another's; left unchanged and not counted.</summary>
    Conflict,
}

/// <summary>One row of the plan: the VM (its status updated as the controller would), what happened, and where it was read (for error lines).</summary>
public sealed record PlannedVm(NumaVirtualMachine Vm, PlanResult Result, string Message, ManifestSource Source);

/// <summary>
/// The offline scheduler behind <c>numa-operator place</c>: rebuilds the ledger from the VMs that already carry a
/// placement, then places the others in input order with the given packing policy (the controller's, by default), writing each VM's status with <see cref="SchedulingStatus"/>
/// exactly as the controller does. No I/O; the time is a parameter.
/// </summary>
public static class FleetPlanner
{
    /// <exception cref="ManifestException">The objects contradict each other or hold malformed facts; the message names the file and field.</exception>
    public static IReadOnlyList<PlannedVm> Plan(ManifestSet input, DateTime now) => Plan(input, now, PackingPolicies.Default);

    /// <exception cref="ManifestException">The objects contradict each other or hold malformed facts; the message names the file and field.</exception>
    public static IReadOnlyList<PlannedVm> Plan(ManifestSet input, DateTime now, PackingPolicy policy) => Plan(input, now, policy, null, out _);

    /// <summary>
    /// With <paramref name="optimizeFor"/>, the VMs without a placement are placed together by the
    /// <see cref="OptimalPlanner"/> (within that time) instead of one by one in input order, and
    /// <paramref name="quality"/> says how close the plan is to its proven bound.
    /// </summary>
    /// <exception cref="ManifestException">The objects contradict each other or hold malformed facts; the message names the file and field.</exception>
    public static IReadOnlyList<PlannedVm> Plan(ManifestSet input, DateTime now, PackingPolicy policy, TimeSpan? optimizeFor, out PlanQuality? quality)
    {
        ArgumentNullException.ThrowIfNull(input);
        quality = null;
        var snapshot = new ClusterSnapshot(ClusterNodes(input));
        var ledger = PlacementLedger.Rebuild(snapshot, RecordedPlacements(input), out var conflicts);
        var (plan, pending) = Classify(input, ledger, conflicts, now);

        // Online: one by one in input order, each summary as the controller would have written it at that moment.
        var summaries = new Dictionary<string, string>(StringComparer.Ordinal);
        if (optimizeFor is { } limit)
        {
            quality = OptimalPlanner.Place(ledger, [.. pending.Select(p => p.Request)], policy, limit);
        }
        else
        {
            foreach (var (_, request) in pending)
            {
                switch (PlacementEngine.Decide(ledger, request, policy))
                {
                    case PlacementDecision.Placed placed:
                        ledger.Place(request.Key, placed.Placement);
                        break;
                    case PlacementDecision.NotSchedulable notSchedulable:
                        summaries[request.Key] = notSchedulable.Summary;
                        break;
                }
            }
        }

        RecordOutcomes(plan, pending, ledger, summaries, policy, now);
        return plan;
    }

    /// <summary>The placements the VMs' status records; a key given twice is a contradiction in the input.</summary>
    private static List<KeyValuePair<string, VmPlacement>> RecordedPlacements(ManifestSet input)
    {
        var keys = new Dictionary<string, ManifestSource>(StringComparer.Ordinal);
        var existing = new List<KeyValuePair<string, VmPlacement>>();
        foreach (var (vm, source) in input.VirtualMachines)
        {
            if (!keys.TryAdd(vm.Key, source))
            {
                throw new ManifestException($"{source}: NumaVirtualMachine {vm.Key} also appears at {keys[vm.Key]}");
            }

            if (RecordedPlacement(vm, source) is { } placement)
            {
                existing.Add(new(vm.Key, placement));
            }
        }

        return existing;
    }

    /// <summary>
    /// One row per VM in input order: conflicts, VMs already placed and invalid specs are decided here; the rest are
    /// pending (their row says Unschedulable until <see cref="RecordOutcomes"/> decides it).
    /// </summary>
    private static (List<PlannedVm> Plan, List<(int Row, VmRequest Request)> Pending) Classify(
        ManifestSet input, PlacementLedger ledger, IReadOnlyList<LedgerConflict> conflicts, DateTime now)
    {
        var conflictByKey = conflicts.ToDictionary(c => c.Key, c => c.Reason, StringComparer.Ordinal);
        var plan = new List<PlannedVm>(input.VirtualMachines.Count);
        var pending = new List<(int Row, VmRequest Request)>();
        foreach (var (vm, source) in input.VirtualMachines)
        {
            if (conflictByKey.TryGetValue(vm.Key, out var conflict))
            {
                plan.Add(new PlannedVm(vm, PlanResult.Conflict, "recorded placement conflicts with another VM's: " + conflict, source));
                continue;
            }

            if (ledger.PlacementOf(vm.Key) is { } recorded)
            {
                plan.Add(new PlannedVm(vm, PlanResult.AlreadyPlaced, SchedulingStatus.PlacedMessage(recorded), source));
                continue;
            }

            var validation = NumaVirtualMachineValidator.Validate(vm);
            if (validation.Request is not { } request)
            {
                SchedulingStatus.ApplyInvalidSpec(vm, validation.Errors, now);
                plan.Add(new PlannedVm(vm, PlanResult.InvalidSpec, MessageOf(vm), source));
                continue;
            }

            pending.Add((plan.Count, request));
            plan.Add(new PlannedVm(vm, PlanResult.Unschedulable, string.Empty, source)); // decided below
        }

        return (plan, pending);
    }

    /// <summary>Writes each pending VM's outcome into its status and its row: placed, or why not.</summary>
    private static void RecordOutcomes(
        List<PlannedVm> plan, List<(int Row, VmRequest Request)> pending, PlacementLedger ledger, Dictionary<string, string> summaries, PackingPolicy policy, DateTime now)
    {
        foreach (var (row, request) in pending)
        {
            var (vm, source) = (plan[row].Vm, plan[row].Source);
            if (ledger.PlacementOf(request.Key) is { } placement)
            {
                SchedulingStatus.ApplyPlaced(vm, placement, now);
                plan[row] = new PlannedVm(vm, PlanResult.Placed, MessageOf(vm), source);
                continue;
            }

            var summary = summaries.GetValueOrDefault(request.Key)
                ?? (PlacementEngine.Decide(ledger, request, policy) as PlacementDecision.NotSchedulable)?.Summary
                ?? "no placement fits";
            SchedulingStatus.ApplyUnschedulable(vm, summary, now);
            plan[row] = new PlannedVm(vm, PlanResult.Unschedulable, summary, source);
        }
    }

    private static string MessageOf(NumaVirtualMachine vm) =>
        ConditionList.Find(vm.Status?.Conditions, SchedulingStatus.ConditionType)?.Message ?? string.Empty;

    private static List<ClusterNode> ClusterNodes(ManifestSet input)
    {
        var seen = new Dictionary<string, ManifestSource>(StringComparer.Ordinal);
        var nodes = new List<ClusterNode>(input.Topologies.Count);
        foreach (var (topology, source) in input.Topologies)
        {
            var name = topology.Metadata?.Name;
            if (string.IsNullOrEmpty(name))
            {
                throw new ManifestException($"{source}: NumaNodeTopology: field metadata.name: Required value: the Kubernetes node name");
            }

            if (!seen.TryAdd(name, source))
            {
                throw new ManifestException($"{source}: NumaNodeTopology {name} also appears at {seen[name]}");
            }

            try
            {
                nodes.Add(TopologyConversion.ToClusterNode(topology, input.NodeLabels.GetValueOrDefault(name)));
            }
            catch (FormatException e)
            {
                throw new ManifestException($"{source}: NumaNodeTopology {name}: field {e.Message}", e);
            }
        }

        return nodes;
    }

    private static VmPlacement? RecordedPlacement(NumaVirtualMachine vm, ManifestSource source)
    {
        if (vm.Status?.Placement is not { } placement)
        {
            return null;
        }

        if (string.IsNullOrEmpty(vm.Status.NodeName))
        {
            throw new ManifestException($"{source}: NumaVirtualMachine {vm.Key}: field status.nodeName: Required value: status.placement needs the node it is on");
        }

        try
        {
            return PlacementConversion.FromStatus(vm.Status.NodeName, placement);
        }
        catch (FormatException e)
        {
            throw new ManifestException($"{source}: NumaVirtualMachine {vm.Key}: field {e.Message}", e);
        }
    }
}
