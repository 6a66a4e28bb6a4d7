using k8s.Models;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Api.Status;

/// <summary>
/// What GitOps tools read (kstatus: Flux, `kubectl wait`; the Argo CD health check): status.observedGeneration,
/// Reconciling and Stalled, derived from the conditions the controller and the agent own. Both writers run it last on
/// every status write, so whoever writes, the summary of the same facts is the same. kstatus reads Reconciling=True as
/// InProgress, Stalled=True as Failed, and neither (with observedGeneration = generation) as Current, so:
/// Stalled=True while the VM cannot progress without a change (bad spec, bad boot file, a QEMU that exited or did not
/// start, memory measured off its NUMA nodes, its node's agent lost); otherwise Reconciling=True until the VM is Ready
/// for this generation or stopped as asked. Pure: time is a parameter.
/// </summary>
public static class ProgressConditions
{
    public const string ReasonPending = "Pending";
    public const string ReasonUnschedulable = "Unschedulable";
    public const string ReasonWaitingForAgent = "WaitingForAgent";
    public const string ReasonDeleting = "Deleting";
    public const string ReasonProgressing = "Progressing";

    public static void Apply(NumaVirtualMachine vm, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var status = vm.Status ??= new NumaVirtualMachineStatus();
        var generation = vm.Metadata.Generation;
        status.ObservedGeneration = generation;
        var stalled = StalledVerdict(vm);
        if (stalled is { } s)
        {
            status.Conditions = ConditionList.Set(status.Conditions, VmConditions.Stalled, true, s.Reason, s.Message, generation, now);
            ConditionList.Remove(status.Conditions, VmConditions.Reconciling);
            return;
        }

        ConditionList.Remove(status.Conditions, VmConditions.Stalled);
        if (ReconcilingVerdict(vm) is { } r)
        {
            status.Conditions = ConditionList.Set(status.Conditions, VmConditions.Reconciling, true, r.Reason, r.Message, generation, now);
        }
        else
        {
            ConditionList.Remove(status.Conditions, VmConditions.Reconciling);
        }
    }

    /// <summary>Why the VM cannot progress without a change, or null.</summary>
    public static (string Reason, string Message)? StalledVerdict(NumaVirtualMachine vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var conditions = vm.Status?.Conditions;
        var generation = vm.Metadata.Generation;
        if (ConditionList.Find(conditions, VmConditions.Stalled) is { Status: VmConditions.True } own
            && VmConditions.ControllerStalledReasons.Contains(own.Reason ?? string.Empty))
        {
            return (own.Reason!, own.Message ?? string.Empty);
        }

        if (ConditionList.Find(conditions, VmConditions.Scheduled) is { Status: VmConditions.False, Reason: VmConditions.ReasonInvalidSpec } invalid)
        {
            return (VmConditions.ReasonInvalidSpec, Message(invalid));
        }

        if (ReadyRule.IsNodeLost(vm))
        {
            return (VmConditions.ReasonNodeLost, Message(ConditionList.Find(conditions, VmConditions.Ready)));
        }

        if (IsFailedForThisGeneration(vm))
        {
            var running = ConditionList.Find(conditions, VmConditions.Running)!;
            return (running.Reason!, Message(running));
        }

        if (ConditionList.FindFor(conditions, VmConditions.Running, VmConditions.True, generation) is not null
            && ConditionList.FindFor(conditions, VmConditions.NumaAligned, VmConditions.False, generation) is { } aligned)
        {
            return (VmConditions.ReasonNotAligned, Message(aligned));
        }

        return null;
    }

    /// <summary>What is still in progress, or null when the VM is where its spec asks (Ready, or stopped as asked).</summary>
    public static (string Reason, string Message)? ReconcilingVerdict(NumaVirtualMachine vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var status = vm.Status;
        var conditions = status?.Conditions;
        var generation = vm.Metadata.Generation;
        if (vm.Metadata.DeletionTimestamp is not null)
        {
            return (ReasonDeleting, "the VM is being deleted: its agent stops QEMU, then the controller releases the placement");
        }

        if (ConditionList.Find(conditions, VmConditions.RestartRequired) is { Status: VmConditions.True } restart)
        {
            return (VmConditions.RestartRequired, Message(restart));
        }

        if (ConditionList.FindFor(conditions, VmConditions.Ready, VmConditions.True, generation) is not null || IsStoppedAsAsked(vm))
        {
            return null;
        }

        var scheduled = ConditionList.Find(conditions, VmConditions.Scheduled);
        var running = ConditionList.Find(conditions, VmConditions.Running);
        var ready = ConditionList.Find(conditions, VmConditions.Ready);
        return (scheduled, running) switch
        {
            (null, _) => (ReasonPending, "waiting for the controller to place the VM"),
            ({ Status: VmConditions.False, Reason: ReasonUnschedulable }, _) => (ReasonUnschedulable, "waiting for capacity: " + Message(scheduled)),
            ({ Status: VmConditions.False }, _) => (scheduled.Reason ?? ReasonPending, Message(scheduled)),
            (_, null) => (ReasonWaitingForAgent, $"placed on {status?.NodeName}; waiting for its agent to start QEMU"),
            (_, _) when running.ObservedGeneration != generation =>
                (ReasonWaitingForAgent, $"generation {generation} is not yet acted on by the agent on {status?.NodeName}"),
            (_, { Status: VmConditions.False, Reason: VmConditions.ReasonPreflightFailed }) =>
                (VmConditions.ReasonPreflightFailed, Message(running) + "; the agent tries again every 30s"),
            (_, { Status: VmConditions.False, Reason: VmConditions.ReasonInsufficientHugepages }) =>
                (VmConditions.ReasonInsufficientHugepages, Message(running) + "; the controller places the VM again"),
            (_, { Status: VmConditions.False }) => (running.Reason ?? ReasonProgressing, Message(running)),
            _ when ready is { Status: not VmConditions.True } => (ready.Reason ?? ReasonProgressing, Message(ready)),
            _ => (ReasonProgressing, "waiting for the agent to report the VM Ready"),
        };
    }

    /// <summary>
    /// The agent will not start the VM again until the user changes something: phase Failed with a terminal
    /// Running=False reason recorded for metadata.generation.
    /// </summary>
    public static bool IsFailedForThisGeneration(NumaVirtualMachine vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var running = ConditionList.FindFor(vm.Status?.Conditions, VmConditions.Running, VmConditions.False, vm.Metadata.Generation);
        return vm.Status?.Phase == VmConditions.PhaseFailed
            && running is not null
            && VmConditions.TerminalFailures.Contains(running.Reason ?? string.Empty);
    }

    /// <summary>
    /// The run strategy does not want QEMU running now (Halted, spec.running false, Manual without a start, a guest
    /// that powered off under RerunOnFailure) and the agent reported it stopped for this generation: the spec is honoured.
    /// </summary>
    public static bool IsStoppedAsAsked(NumaVirtualMachine vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        return vm.Spec is not null && !RunStrategies.WantsRunning(vm)
            && vm.Status?.Phase == VmConditions.PhaseStopped
            && ConditionList.FindFor(vm.Status.Conditions, VmConditions.Running, VmConditions.False, vm.Metadata.Generation) is { Reason: VmConditions.ReasonStopped };
    }

    private static string Message(V1Condition? condition) => condition?.Message ?? string.Empty;
}
