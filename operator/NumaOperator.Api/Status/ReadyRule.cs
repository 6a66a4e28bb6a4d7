using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Api.Status;

/// <summary>
/// The Ready condition: True only when Running and NumaAligned are True for the current generation; Unknown with
/// reason NodeLost while the controller judges the node's agent lost (that verdict is the controller's: the agent
/// keeps it, the controller lifts it when the heartbeat is fresh again). Pure: time is a parameter.
/// </summary>
public static class ReadyRule
{
    public const string ReasonReady = "Ready";
    public const string ReasonNotRunning = "NotRunning";
    public const string ReasonNotMeasured = "NotMeasured";

    public static bool IsNodeLost(NumaVirtualMachine vm) =>
        ConditionList.Find(vm?.Status?.Conditions, VmConditions.Ready) is { Status: VmConditions.Unknown, Reason: VmConditions.ReasonNodeLost };

    /// <summary>Recomputes Ready from Running and NumaAligned; a NodeLost verdict stays unless <paramref name="liftNodeLost"/>.</summary>
    public static void Apply(NumaVirtualMachine vm, DateTime now, bool liftNodeLost = false)
    {
        ArgumentNullException.ThrowIfNull(vm);
        if (!liftNodeLost && IsNodeLost(vm))
        {
            return;
        }

        var status = vm.Status ??= new NumaVirtualMachineStatus();
        var generation = vm.Metadata.Generation;
        var running = ConditionList.Find(status.Conditions, VmConditions.Running);
        var aligned = ConditionList.Find(status.Conditions, VmConditions.NumaAligned);
        (bool Ok, string Reason, string Message) ready =
            running is not { Status: VmConditions.True } || running.ObservedGeneration != generation ? (false, ReasonNotRunning, "QEMU is not running: " + (running?.Message ?? "not started"))
            : aligned is null || aligned.ObservedGeneration != generation ? (false, ReasonNotMeasured, "QEMU runs; where its memory is has not been measured yet")
            : aligned.Status != VmConditions.True ? (false, VmConditions.ReasonNotAligned, aligned.Message ?? "guest memory is not on the placed host NUMA nodes")
            : (true, ReasonReady, "running with guest memory on the placed host NUMA nodes (" + (status.Numastat?.LocalRatio ?? "?") + " local)");
        status.Conditions = ConditionList.Set(status.Conditions, VmConditions.Ready, ready.Ok, ready.Reason, ready.Message, generation, now);
    }

    /// <summary>The controller's verdict: the node's agent is gone, so nothing is known about the VM (Ready=Unknown).</summary>
    public static void SetNodeLost(NumaVirtualMachine vm, string message, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var status = vm.Status ??= new NumaVirtualMachineStatus();
        status.Conditions = ConditionList.Set(status.Conditions, VmConditions.Ready, VmConditions.Unknown, VmConditions.ReasonNodeLost, message, vm.Metadata.Generation, now);
    }
}
