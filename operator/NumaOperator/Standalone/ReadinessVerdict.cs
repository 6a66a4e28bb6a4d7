using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Cli.Standalone;

/// <summary>Where --exit-when-ready stands: still waiting, every VM Ready, or one VM failed.</summary>
public sealed record ReadinessVerdict(bool Done, bool Success, string Message)
{
    public static ReadinessVerdict Waiting(string message) => new(false, false, message);

    /// <summary>
    /// Judges the VMs named in <paramref name="keys"/>. Pure. Ready=True (for the current generation) on all → success;
    /// one Failed, Stalled=True, Scheduled=False reason Unschedulable, or NumaAligned=False (measured: the memory is not
    /// where it was placed, which waiting will not fix) → failure; else waiting.
    /// </summary>
    public static ReadinessVerdict Judge(IReadOnlyCollection<string> keys, IReadOnlyDictionary<string, NumaVirtualMachine> vms)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(vms);
        var waiting = new List<string>();
        foreach (var key in keys.Order(StringComparer.Ordinal))
        {
            if (!vms.TryGetValue(key, out var vm))
            {
                waiting.Add($"{key} (not found)");
                continue;
            }

            var conditions = vm.Status?.Conditions;
            var generation = vm.Metadata.Generation;
            if (vm.Status?.Phase == VmConditions.PhaseFailed)
            {
                return new ReadinessVerdict(true, false, $"{key} failed: {Explain(conditions, VmConditions.Running)}");
            }

            if (ConditionList.Find(conditions, VmConditions.Stalled) is { Status: VmConditions.True } stalled)
            {
                return new ReadinessVerdict(true, false, $"{key} is stalled: {stalled.Reason}: {stalled.Message}");
            }

            if (ConditionList.Find(conditions, SchedulingStatus.ConditionType) is { Status: VmConditions.False, Reason: SchedulingStatus.ReasonUnschedulable } unschedulable
                && Current(unschedulable, generation))
            {
                return new ReadinessVerdict(true, false, $"{key} is unschedulable: {unschedulable.Message}");
            }

            if (ConditionList.Find(conditions, VmConditions.NumaAligned) is { Status: VmConditions.False } misaligned && Current(misaligned, generation))
            {
                return new ReadinessVerdict(true, false, $"{key} is not NUMA-aligned: {misaligned.Reason}: {misaligned.Message}");
            }

            if (ConditionList.Find(conditions, VmConditions.Ready) is not { Status: VmConditions.True } ready || !Current(ready, generation))
            {
                waiting.Add($"{key} ({vm.Status?.Phase ?? VmConditions.PhasePending})");
            }
        }

        return waiting.Count == 0
            ? new ReadinessVerdict(true, true, keys.Count == 1 ? "the VM is Ready" : $"all {keys.Count} VMs are Ready")
            : Waiting("waiting for " + string.Join(", ", waiting));
    }

    /// <summary>A condition without observedGeneration is taken as current (not every writer sets it).</summary>
    private static bool Current(k8s.Models.V1Condition condition, long? generation) =>
        condition.ObservedGeneration is null || condition.ObservedGeneration == generation;

    private static string Explain(IEnumerable<k8s.Models.V1Condition>? conditions, string type) =>
        ConditionList.Find(conditions, type) is { } c ? $"{c.Reason}: {c.Message}" : "no reason given";
}
