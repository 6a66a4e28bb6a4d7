using System.Globalization;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Api.Status;

/// <summary>
/// What a scheduling decision writes on a NumaVirtualMachine, shared by the controller and <c>numa-operator place</c>
/// so both write exactly the same: status.nodeName, status.placement, status.phase, the label numaoperator.io/node,
/// the Scheduled condition (its observedGeneration = metadata.generation) and the GitOps summary
/// (<see cref="ProgressConditions"/>). Pure: the time is a parameter.
/// </summary>
public static class SchedulingStatus
{
    public const string ConditionType = VmConditions.Scheduled;
    public const string ReasonScheduled = "Scheduled";
    public const string ReasonUnschedulable = ProgressConditions.ReasonUnschedulable;
    public const string ReasonInvalidSpec = VmConditions.ReasonInvalidSpec;
    public const string PhasePending = VmConditions.PhasePending;
    public const string PhaseScheduled = VmConditions.PhaseScheduled;

    /// <summary>The VM was placed: record where, label it for its node's agent, Scheduled=True.</summary>
    public static void ApplyPlaced(NumaVirtualMachine vm, VmPlacement placement, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(placement);
        var status = vm.Status ??= new NumaVirtualMachineStatus();
        status.NodeName = placement.NodeName;
        status.Placement = PlacementConversion.ToStatus(placement);
        status.Phase = PhaseScheduled;
        SetNodeLabel(vm, placement.NodeName);
        Finish(vm, true, ReasonScheduled, PlacedMessage(placement), now);
    }

    /// <summary>No node fits: no placement, no node label, Scheduled=False with the per-node summary.</summary>
    public static void ApplyUnschedulable(NumaVirtualMachine vm, string summary, DateTime now) =>
        ApplyPending(vm, ReasonUnschedulable, summary, now);

    /// <summary>The spec fails validation: Scheduled=False reason InvalidSpec with every field error.</summary>
    public static void ApplyInvalidSpec(NumaVirtualMachine vm, IReadOnlyList<FieldError> errors, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ApplyPending(vm, ReasonInvalidSpec, "invalid spec: " + string.Join("; ", errors.Select(e => e.ToString())), now);
    }

    /// <summary>"placed on worker-7: guest node 0 on host NUMA node 1 with CPUs 8-11, 15360 × 2Mi pages".</summary>
    public static string PlacedMessage(VmPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(placement);
        var parts = placement.GuestNodes.Select(g =>
        {
            var cpus = g.HostCpus.IsEmpty ? "shared CPUs" : "CPUs " + g.HostCpus;
            var memory = placement.PageSize.IsHuge
                ? string.Create(CultureInfo.InvariantCulture, $"{g.MemoryBytes / placement.PageSize.Bytes} × {placement.PageSize} pages")
                : ByteQuantity.Format(g.MemoryBytes) + " of ordinary memory";
            return string.Create(CultureInfo.InvariantCulture, $"guest node {g.GuestNode} on host NUMA node {g.HostNode} with {cpus}, {memory}");
        });
        var how = placement.Accelerator is { } accelerator ? $"; runs under {AcceleratorNames.Of(accelerator)} with cpu model {placement.CpuModel}" : string.Empty;
        return $"placed on {placement.NodeName}: " + string.Join("; ", parts) + how;
    }

    private static void ApplyPending(NumaVirtualMachine vm, string reason, string message, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var status = vm.Status ??= new NumaVirtualMachineStatus();
        status.NodeName = null;
        status.Placement = null;
        status.Phase = PhasePending;
        vm.Metadata.Labels?.Remove(ApiGroup.NodeLabel);
        Finish(vm, false, reason, message, now);
    }

    private static void Finish(NumaVirtualMachine vm, bool scheduled, string reason, string message, DateTime now)
    {
        var status = vm.Status!;
        status.Conditions = ConditionList.Set(status.Conditions, ConditionType, scheduled, reason, message, vm.Metadata.Generation, now);
        // observedGeneration with Reconciling=True (placed, waiting for capacity) or Stalled=True (invalid spec): kstatus
        // reads a matching observedGeneration without either as Current, which a VM that is only scheduled is not.
        ProgressConditions.Apply(vm, now);
    }

    /// <summary>The node label the agent selects its VMs by, set to <paramref name="nodeName"/>.</summary>
    public static void SetNodeLabel(NumaVirtualMachine vm, string nodeName)
    {
        vm.Metadata.Labels ??= new Dictionary<string, string>(StringComparer.Ordinal);
        vm.Metadata.Labels[ApiGroup.NodeLabel] = nodeName;
    }
}
