using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Controller.Scheduling;

/// <summary>The scheduling reconciler's own edits of a desired VM: finalizer, its Stalled reasons, a kept placement, Events. Pure.</summary>
internal static class SchedulingEdits
{
    public static (string Type, string Reason, string Message) Warning(string reason, string message) => ("Warning", reason, message);

    public static void AddFinalizer(V1ObjectMeta metadata)
    {
        metadata.Finalizers ??= [];
        if (!metadata.Finalizers.Contains(ApiGroup.Finalizer))
        {
            metadata.Finalizers.Add(ApiGroup.Finalizer);
        }
    }

    /// <summary>A Stalled reason only the controller records (<see cref="VmConditions.ControllerStalledReasons"/>); the summary keeps it.</summary>
    public static void SetStalled(NumaVirtualMachine vm, string reason, string message, DateTime now)
    {
        var status = vm.Status ??= new NumaVirtualMachineStatus();
        status.Conditions = ConditionList.Set(status.Conditions, VmConditions.Stalled, true, reason, message, vm.Metadata.Generation, now);
    }

    /// <summary>Removes Stalled when this controller set it; the summary derives any other Stalled afresh.</summary>
    public static void ClearStalled(NumaVirtualMachine vm)
    {
        if (VmConditions.ControllerStalledReasons.Contains(ConditionList.Find(vm.Status?.Conditions, VmConditions.Stalled)?.Reason ?? string.Empty))
        {
            ConditionList.Remove(vm.Status!.Conditions, VmConditions.Stalled);
        }
    }

    /// <summary>
    /// A placed VM keeps its placement: RestartRequired says whether the spec drifted from it, Scheduled is re-stamped
    /// for the current generation (its transition time stays), the node label is written, and Stalled InvalidSpec
    /// follows <paramref name="invalidSpec"/> (the validation summary, or null when the spec is valid).
    /// </summary>
    public static void KeepPlacement(NumaVirtualMachine desired, string? drift, string? invalidSpec, DateTime now)
    {
        var status = desired.Status!;
        var generation = desired.Metadata.Generation;
        if (drift is not null)
        {
            status.Conditions = ConditionList.Set(status.Conditions, VmConditions.RestartRequired, true, SchedulingReconciler.ReasonSpecChanged,
                $"the spec changed ({drift}); the VM keeps its placement until it is stopped (spec.running: false) and started again", generation, now);
        }
        else
        {
            ConditionList.Remove(status.Conditions, VmConditions.RestartRequired);
        }

        if (ConditionList.Find(status.Conditions, SchedulingStatus.ConditionType) is { Status: VmConditions.True } scheduled)
        {
            status.Conditions = ConditionList.Set(status.Conditions, SchedulingStatus.ConditionType, true, scheduled.Reason ?? SchedulingStatus.ReasonScheduled, scheduled.Message ?? string.Empty, generation, now);
        }

        SchedulingStatus.SetNodeLabel(desired, status.NodeName!);
        if (invalidSpec is null)
        {
            ClearStalled(desired);
        }
        else
        {
            SetStalled(desired, SchedulingStatus.ReasonInvalidSpec, invalidSpec, now);
        }
    }

    /// <summary>
    /// The agent selects its VMs by the node label, written after the placement. When that write was lost (a conflict,
    /// or the controller stopped between the two writes) and the VM is deleted before it is written again, the agent
    /// of status.nodeName would never see the VM nor report it stopped, and the finalizer would hold it for good. So
    /// a VM in deletion gets the label too: the copy to write, or null when the label already names the node.
    /// </summary>
    public static NumaVirtualMachine? LabelledForAgent(NumaVirtualMachine vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var nodeName = vm.Status?.NodeName;
        if (string.IsNullOrEmpty(nodeName)
            || (vm.Metadata.Labels?.TryGetValue(ApiGroup.NodeLabel, out var labelled) == true && labelled == nodeName))
        {
            return null;
        }

        var desired = ObjectKey.Clone(vm);
        SchedulingStatus.SetNodeLabel(desired, nodeName);
        return desired;
    }
}
