using System.Globalization;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.Measurement;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// The part of a NumaVirtualMachine's status the node agent owns: phase Starting/Running/Stopping/Stopped/Failed,
/// the Running, NumaAligned and Ready conditions and status.numastat. Every method ends with the GitOps summary
/// (<see cref="ProgressConditions"/>: observedGeneration, Reconciling, Stalled) that the controller computes the same
/// way. Each method mutates a fresh copy of the object (the caller sends the full conditions list). Pure: time is a parameter.
/// </summary>
public static class AgentConditions
{
    public const string Running = VmConditions.Running;
    public const string NumaAligned = VmConditions.NumaAligned;
    public const string Ready = VmConditions.Ready;

    public const string PhaseStarting = "Starting";
    public const string PhaseRunning = "Running";
    public const string PhaseStopping = "Stopping";
    public const string PhaseStopped = "Stopped";
    public const string PhaseFailed = "Failed";

    public const string ReasonRunning = "Running";
    public const string ReasonStarting = VmConditions.ReasonStarting;
    public const string ReasonStopping = VmConditions.ReasonStopping;
    public const string ReasonStopped = VmConditions.ReasonStopped;
    public const string ReasonPreflightFailed = VmConditions.ReasonPreflightFailed;
    public const string ReasonBadBootFile = VmConditions.ReasonBadBootFile;
    public const string ReasonStartFailed = VmConditions.ReasonStartFailed;
    public const string ReasonProcessExited = VmConditions.ReasonProcessExited;
    public const string ReasonReady = ReadyRule.ReasonReady;
    public const string ReasonNotRunning = ReadyRule.ReasonNotRunning;
    public const string ReasonNotMeasured = ReadyRule.ReasonNotMeasured;
    public const string ReasonNotAligned = VmConditions.ReasonNotAligned;

    /// <summary>Running=False reasons the agent does not retry (<see cref="VmConditions.TerminalFailures"/>).</summary>
    public static IReadOnlySet<string> TerminalFailures => VmConditions.TerminalFailures;

    /// <summary>
    /// The VM failed for its current generation and must not be started again until the user changes something:
    /// phase Failed with a terminal Running=False reason recorded for metadata.generation (then it is Stalled).
    /// </summary>
    public static bool FailedForThisGeneration(NumaVirtualMachine vm) => ProgressConditions.IsFailedForThisGeneration(vm);

    public static void SetStarting(NumaVirtualMachine vm, DateTime now) =>
        SetNotRunning(vm, PhaseStarting, ReasonStarting, "pre-flight passed; starting QEMU, pinning its threads", now);

    public static void SetRunning(NumaVirtualMachine vm, string message, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var status = vm.Status ??= new NumaVirtualMachineStatus();
        status.Phase = PhaseRunning;
        status.Conditions = ConditionList.Set(status.Conditions, Running, true, ReasonRunning, message, vm.Metadata.Generation, now);
        if (ConditionList.Find(status.Conditions, NumaAligned) is { } aligned)
        {
            // The measurement still describes the running QEMU; re-stamp it for the current generation.
            status.Conditions = ConditionList.Set(status.Conditions, NumaAligned, aligned.Status == "True", aligned.Reason, aligned.Message, vm.Metadata.Generation, now);
        }

        UpdateReady(vm, now);
    }

    public static void SetStopping(NumaVirtualMachine vm, string message, DateTime now) =>
        SetNotRunning(vm, PhaseStopping, ReasonStopping, message, now);

    public static void SetStopped(NumaVirtualMachine vm, string message, DateTime now) =>
        SetNotRunning(vm, PhaseStopped, ReasonStopped, message, now);

    /// <summary>Phase Failed, Running=False with <paramref name="reason"/> (one of <see cref="TerminalFailures"/>).</summary>
    public static void SetFailed(NumaVirtualMachine vm, string reason, string message, DateTime now) =>
        SetNotRunning(vm, PhaseFailed, reason, message, now);

    /// <summary>A numa_maps sample: status.numastat (every host node listed), NumaAligned from the verdict, Ready.</summary>
    public static void SetMeasured(NumaVirtualMachine vm, NumastatStatus numastat, NumaVerdict verdict, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(verdict);
        var status = vm.Status ??= new NumaVirtualMachineStatus();
        status.Numastat = numastat;
        status.Conditions = ConditionList.Set(status.Conditions, NumaAligned, verdict.Aligned, verdict.Reason, verdict.Message, vm.Metadata.Generation, now);
        UpdateReady(vm, now);
    }

    /// <summary>
    /// status.numastat of a measurement: guest RAM bytes on each of <paramref name="hostNodes"/> (and any other node
    /// seen), and per guest node its placed host node, the host nodes holding its bytes and its backend's policy.
    /// </summary>
    public static NumastatStatus Numastat(NumaMeasurement measurement, IEnumerable<int> hostNodes, DateTime sampledAt)
    {
        ArgumentNullException.ThrowIfNull(measurement);
        var nodes = hostNodes.Concat(measurement.GuestRamBytesByNode.Keys).Distinct().Order();
        return new NumastatStatus
        {
            SampledAt = sampledAt,
            Nodes = [.. nodes.Select(n => new NumastatNode { Node = n, Bytes = measurement.GuestRamBytesByNode.GetValueOrDefault(n) })],
            LocalRatio = measurement.LocalRatioText,
            GuestNodes = [.. measurement.GuestNodes.Select(g => new NumastatGuestNode
            {
                GuestNode = g.GuestNode,
                HostNode = g.HostNode,
                Nodes = [.. g.BytesByNode.Where(kv => kv.Value > 0).Select(kv => kv.Key).Append(g.HostNode).Distinct().Order()
                    .Select(n => new NumastatNode { Node = n, Bytes = g.BytesByNode.GetValueOrDefault(n) })],
                Policy = g.Policies.Count == 0 ? null : string.Join(",", g.Policies),
            })],
        };
    }

    /// <summary>
    /// Ready=True only when Running and NumaAligned are True for the current generation (a NodeLost verdict of the
    /// controller is kept), then the GitOps summary: observedGeneration, Reconciling, Stalled.
    /// </summary>
    public static void UpdateReady(NumaVirtualMachine vm, DateTime now)
    {
        ReadyRule.Apply(vm, now);
        ProgressConditions.Apply(vm, now);
    }

    /// <summary>"30.0 GiB on host node 0" style text of one node's bytes (for logs).</summary>
    public static string Describe(NumastatStatus numastat)
    {
        ArgumentNullException.ThrowIfNull(numastat);
        return string.Join(", ", numastat.Nodes.Select(n => string.Create(CultureInfo.InvariantCulture, $"{ByteQuantity.Human(n.Bytes)} on host node {n.Node}")));
    }

    private static void SetNotRunning(NumaVirtualMachine vm, string phase, string reason, string message, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var status = vm.Status ??= new NumaVirtualMachineStatus();
        status.Phase = phase;
        status.Numastat = null; // a measurement describes a running QEMU only
        status.Interfaces = null; // taps and forwarded ports exist only while QEMU runs
        status.Conditions = ConditionList.Set(status.Conditions, Running, false, reason, message, vm.Metadata.Generation, now);
        ConditionList.Remove(status.Conditions, NumaAligned);
        UpdateReady(vm, now);
    }
}
