using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Controller.Scheduling;

/// <summary>
/// When a placed VM's resources may be given to another VM: its QEMU is gone. The node agent reports that by
/// writing status.phase Stopped (or Failed) with no Running=True condition; a VM never handed to an agent (no
/// nodeName, or phase still Pending) has no QEMU; and when the Node object is gone there is no agent left to ask.
/// Pure.
/// </summary>
public static class QemuGoneSignal
{
    public static bool IsGone(NumaVirtualMachine vm, bool nodeExists)
    {
        var status = vm.Status;
        if (string.IsNullOrEmpty(status?.NodeName) || !nodeExists)
        {
            return true;
        }

        return status.Phase is VmConditions.PhaseStopped or VmConditions.PhaseFailed or VmConditions.PhasePending
            && !ConditionList.IsTrue(status.Conditions, VmConditions.Running);
    }
}
