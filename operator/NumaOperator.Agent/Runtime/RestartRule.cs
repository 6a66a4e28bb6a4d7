using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Api.Status;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// Whether a QEMU start is a restart (counted by numaoperator.vm.restarts): the VM's status, as read before the
/// start, says a QEMU of it stopped (Running=False, reason Stopped) or exited by itself (RestartBackoff; ProcessExited of older agents). A first
/// start, a retry after a failed pre-flight and a start after a failed launch are not restarts. A VM created with
/// spec.running false is recorded Stopped, so its first start counts too: the status does not say whether QEMU
/// ever ran. Pure.
/// </summary>
public static class RestartRule
{
    public static bool IsRestart(NumaVirtualMachine before)
    {
        ArgumentNullException.ThrowIfNull(before);
        var running = ConditionList.Find(before.Status?.Conditions, AgentConditions.Running);
        return running is { Status: "False", Reason: AgentConditions.ReasonStopped or AgentConditions.ReasonProcessExited or VmConditions.ReasonRestartBackoff };
    }
}
