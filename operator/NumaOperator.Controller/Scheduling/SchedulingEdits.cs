using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Runtime;

namespace NumaOperator.Controller.Scheduling;

/// <summary>The scheduling reconciler's own edits of a desired VM: finalizer, its Stalled reasons, Events. Pure.</summary>
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
        status.Conditions = Conditions.Set(status.Conditions, VmConditions.Stalled, true, reason, message, vm.Metadata.Generation, now);
    }

    /// <summary>Removes Stalled when this controller set it; the summary derives any other Stalled afresh.</summary>
    public static void ClearStalled(NumaVirtualMachine vm)
    {
        if (VmConditions.ControllerStalledReasons.Contains(Conditions.Find(vm.Status?.Conditions, VmConditions.Stalled)?.Reason ?? string.Empty))
        {
            Conditions.Remove(vm.Status!.Conditions, VmConditions.Stalled);
        }
    }
}
