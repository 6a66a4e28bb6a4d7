using System.Globalization;
using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.Controller.Scheduling;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Cli.Explaining;

/// <summary>
/// Turns a VM, its Events and (when it is not placed) the cluster's topologies into an <see cref="Explanation"/>.
/// Pure: no I/O, the time is <see cref="ExplainInput.Now"/>.
/// </summary>
public static class ExplanationBuilder
{
    /// <summary>Condition types in the order a reader follows a VM's life; others follow in their own order.</summary>
    public static readonly IReadOnlyList<string> ConditionOrder =
        [SchedulingStatus.ConditionType, SchedulingReconciler.ConditionReconciling, SchedulingReconciler.ConditionStalled,
         SchedulingReconciler.ConditionRestartRequired, VmConditions.Running, VmConditions.NumaAligned, VmConditions.Ready];

    /// <summary>How many Warning events are shown, newest first.</summary>
    public const int MaxWarnings = 5;

    /// <summary>True when the VM has no placement: explain then needs every VM, topology and Node to ask the engine why.</summary>
    public static bool NeedsCluster(NumaVirtualMachine vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        return vm.Status?.Placement is null || string.IsNullOrEmpty(vm.Status.NodeName);
    }

    public static Explanation Build(ExplainInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var vm = input.Vm;
        var status = vm.Status;
        var generation = vm.Metadata.Generation;
        var conditions = Conditions(status?.Conditions, generation, input.Now);
        var scheduled = ConditionList.Find(status?.Conditions, SchedulingStatus.ConditionType);
        var stalled = ConditionList.Find(status?.Conditions, SchedulingReconciler.ConditionStalled);
        var validation = NumaVirtualMachineValidator.Validate(vm);

        SpecErrorsView? invalid = null;
        if (!validation.IsValid)
        {
            var reason = stalled?.Status == VmConditions.True ? stalled.Reason : scheduled?.Reason;
            invalid = new SpecErrorsView(reason, [.. validation.Errors.Select(e => new FieldErrorView(
                e.Path, e.TypeText, e.Value is null ? null : Convert.ToString(e.Value, CultureInfo.InvariantCulture), e.Detail, e.ToString()))]);
        }

        SchedulingView? scheduling = null;
        PlacementView? placement = null;
        NumastatView? numastat = null;
        if (NeedsCluster(vm))
        {
            scheduling = SchedulingAnalysis.Analyze(vm, validation.Request, scheduled, input);
        }
        else
        {
            placement = Placement(status!);
            numastat = Numastat(status!, placement, input.Now);
        }

        var warnings = Warnings(vm, input.Events, input.Now);
        return new Explanation(
            vm.Key,
            Verdict(vm, invalid, scheduling, placement, numastat),
            status?.Phase,
            generation,
            status?.ObservedGeneration,
            GenerationNote(generation, status?.ObservedGeneration, conditions),
            vm.Metadata.DeletionTimestamp is not null,
            conditions,
            invalid,
            scheduling,
            placement,
            numastat,
            warnings)
        {
            Interfaces = InterfaceViews.Of(status?.Interfaces),
            Migration = MigrationView.Of(status?.Migration, input.Now),
        };
    }

    private static List<ConditionView> Conditions(IList<V1Condition>? conditions, long? generation, DateTime now)
    {
        if (conditions is null)
        {
            return [];
        }

        int Rank(V1Condition c)
        {
            var i = ConditionOrder.ToList().IndexOf(c.Type);
            return i < 0 ? ConditionOrder.Count : i;
        }

        return [.. conditions.OrderBy(Rank).Select(c => new ConditionView(
            c.Type, c.Status, c.Reason, c.Message, c.LastTransitionTime, HumanDuration.Age(c.LastTransitionTime, now), c.ObservedGeneration,
            generation is { } g && c.ObservedGeneration is { } o && o < g))];
    }

    private static string? GenerationNote(long? generation, long? observed, IReadOnlyList<ConditionView> conditions)
    {
        if (generation is not { } g)
        {
            return null;
        }

        var stale = conditions.Where(c => c.Stale).Select(c => c.Type).ToList();
        var staleText = stale.Count == 0 ? string.Empty : $"; conditions written for an older generation: {string.Join(", ", stale)}";
        if (observed is { } o && o < g)
        {
            return $"status is behind the spec: status.observedGeneration {o} < metadata.generation {g} (the controller or agent has not caught up with the latest change){staleText}";
        }

        if (observed is null)
        {
            // Every status write of the controller and the agent sets it: a VM without one has not been seen yet.
            return $"status.observedGeneration is not set yet (the controller has not written this VM's status){staleText}";
        }

        return stale.Count == 0 ? null : staleText[2..];
    }

    private static PlacementView Placement(NumaVirtualMachineStatus status)
    {
        var guests = status.Placement!.GuestNodes
            .Select(g => new GuestNodeView(g.GuestNode, g.HostNode, g.Vcpus, string.IsNullOrEmpty(g.HostCpus) ? "shared" : g.HostCpus, g.Memory))
            .ToList();
        var hostNodes = CpuSet.Of(guests.Select(g => g.HostNode)).ToString();
        return new PlacementView(status.NodeName!, status.Placement.PageSize, guests, hostNodes, status.Placement.Accelerator, status.Placement.CpuModel);
    }

    private static NumastatView? Numastat(NumaVirtualMachineStatus status, PlacementView placement, DateTime now)
    {
        var aligned = ConditionList.Find(status.Conditions, VmConditions.NumaAligned);
        if (status.Numastat is not { } measured)
        {
            return aligned is null ? null : new NumastatView(null, "never", null, [], aligned.Status, aligned.Reason, aligned.Message, "not measured yet");
        }

        var placed = placement.GuestNodes.Select(g => g.HostNode).ToHashSet();
        var nodes = measured.Nodes.OrderBy(n => n.Node)
            .Select(n => new MeasuredNodeView(n.Node, n.Bytes, ByteQuantity.Human(n.Bytes), placed.Contains(n.Node)))
            .ToList();
        var guestNodes = measured.GuestNodes?.OrderBy(g => g.GuestNode).Select(g =>
        {
            var own = g.Nodes.OrderBy(n => n.Node).Select(n => new MeasuredNodeView(n.Node, n.Bytes, ByteQuantity.Human(n.Bytes), n.Node == g.HostNode)).ToList();
            return new MeasuredGuestNodeView(g.GuestNode, g.HostNode, g.Policy, own, own.All(n => n.Placed || n.Bytes == 0));
        }).ToList();
        var plain = guestNodes is { Count: > 1 }
            ? string.Join("; ", guestNodes.Select(g => $"guest node {g.GuestNode.ToString(CultureInfo.InvariantCulture)} {Plain([g.HostNode], g.Nodes)}"))
            : Plain(placement.GuestNodes.Select(g => g.HostNode), nodes);
        return new NumastatView(measured.SampledAt, HumanDuration.Age(measured.SampledAt, now), measured.LocalRatio, nodes,
            aligned?.Status, aligned?.Reason, aligned?.Message, plain, guestNodes);
    }

    /// <summary>"placed on node 1, measured 64.0 MiB on node 0": where the memory is against where it was placed.</summary>
    private static string Plain(IEnumerable<int> placedHostNodes, IReadOnlyList<MeasuredNodeView> nodes)
    {
        var hostNodes = placedHostNodes.Distinct().Order().ToList();
        var placedOn = (hostNodes.Count == 1 ? "placed on node " : "placed on nodes ") + string.Join(",", hostNodes);
        var with = nodes.Where(n => n.Bytes > 0).ToList();
        if (with.Count == 0)
        {
            return placedOn + ", measured no guest memory on any node";
        }

        var measured = string.Join(", ", with.Select(n => $"{n.Human} on node {n.Node.ToString(CultureInfo.InvariantCulture)}{(n.Placed ? string.Empty : " (not placed there)")}"));
        return $"{placedOn}, measured {measured}";
    }

    private static List<EventView> Warnings(NumaVirtualMachine vm, IReadOnlyList<Corev1Event> events, DateTime now)
    {
        // Events of a VM deleted and created again under the same name carry the old uid: leave them out when both are known.
        var uid = vm.Metadata.Uid;
        return [.. events
            .Where(e => e.Type == "Warning"
                && e.InvolvedObject?.Name == vm.Metadata.Name
                && (e.InvolvedObject.Kind is null || e.InvolvedObject.Kind == NumaVirtualMachine.KubeKind)
                && (uid is null || e.InvolvedObject.Uid is null || e.InvolvedObject.Uid == uid))
            .Select(e => (Event: e, Last: LastSeen(e)))
            .OrderByDescending(x => x.Last ?? DateTime.MinValue)
            .Take(MaxWarnings)
            .Select(x => new EventView(x.Event.Reason ?? string.Empty, x.Event.Count ?? x.Event.Series?.Count ?? 1, x.Event.Message ?? string.Empty,
                x.Last, HumanDuration.Age(x.Last, now), x.Event.Source?.Component ?? x.Event.ReportingComponent))];
    }

    private static DateTime? LastSeen(Corev1Event e) =>
        e.Series?.LastObservedTime ?? e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp;

    private static string Verdict(NumaVirtualMachine vm, SpecErrorsView? invalid, SchedulingView? scheduling, PlacementView? placement, NumastatView? numastat)
    {
        var conditions = vm.Status?.Conditions;
        if (vm.Metadata.DeletionTimestamp is not null)
        {
            return "being deleted: waiting for its QEMU to stop and its hugepages and CPUs to be released";
        }

        var stalled = ConditionList.Find(conditions, SchedulingReconciler.ConditionStalled);
        if (scheduling is not null)
        {
            if (invalid is not null)
            {
                return "not scheduled: invalid spec: " + string.Join("; ", invalid.Errors.Select(e => e.Text));
            }

            if (scheduling.FitsNowOn is { } node)
            {
                return $"not scheduled yet, but it fits now (on {node}): the controller places it at its next attempt; {scheduling.RecordedMessage ?? "no Scheduled condition yet"}";
            }

            return "not scheduled: " + (scheduling.Summary ?? scheduling.RecordedMessage ?? "no decision yet");
        }

        // Stalled NotAligned follows from NumaAligned=False, whose verdict below names the numbers.
        if (stalled?.Status == VmConditions.True && stalled.Reason != VmConditions.ReasonNotAligned)
        {
            return $"stalled ({stalled.Reason}): {stalled.Message}";
        }

        var restart = ConditionList.Find(conditions, SchedulingReconciler.ConditionRestartRequired);
        if (restart?.Status == VmConditions.True)
        {
            return $"restart required: {restart.Message}";
        }

        if (numastat?.Aligned == VmConditions.False)
        {
            return $"NOT NUMA-aligned: {numastat.Plain} (localRatio {numastat.LocalRatio ?? "unknown"})";
        }

        var where = $"on {placement!.Node}, host NUMA node(s) {placement.HostNodes}";
        if (ConditionList.IsTrue(conditions, VmConditions.Ready))
        {
            return $"ready: running {where}, memory where it was placed (localRatio {numastat?.LocalRatio ?? "unknown"})";
        }

        var running = ConditionList.Find(conditions, VmConditions.Running);
        var why = running is { Status: not VmConditions.True } ? $"Running={running.Status} ({running.Reason}): {running.Message}" : "not Ready yet";
        return $"scheduled {where}, phase {vm.Status?.Phase ?? "unknown"}: {why}";
    }
}
