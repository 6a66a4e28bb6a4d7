using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Accounting;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Controller.Scheduling;

/// <summary>
/// The VM's accounting to Kubernetes and to what its node really has free: the namespace's ResourceQuotas before a
/// placement, the placeholder pod that follows the placement, and the re-placement of a VM whose agent found too few
/// free hugepages (docs/architecture.md, "Sharing a node with the kubelet").
/// </summary>
public sealed partial class SchedulingReconciler
{
    public const string EventPlacementRefused = "PlacementRefused";
    public const string ReasonQuotaExceeded = "QuotaExceeded";

    /// <summary>Null when the namespace's quotas admit <paramref name="wanted"/>; else why not (names the quota and resource).</summary>
    private string? QuotaRefusal(NumaVirtualMachine vm, VmRequest wanted)
    {
        var ns = vm.Metadata.NamespaceProperty ?? string.Empty;
        var quotasHere = quotas.List().Where(q => q.Metadata.NamespaceProperty == ns).ToList();
        if (quotasHere.Count == 0)
        {
            return null;
        }

        var prefix = ns + "/";
        var others = ledger.Placements
            .Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal) && p.Key != vm.Key)
            .Select(p => PlaceholderResources.Of(p.Value));
        return QuotaCheck.Refusal(quotasHere, pods.List().Where(p => p.Metadata.NamespaceProperty == ns), others, PlaceholderResources.Of(wanted));
    }

    /// <summary>What to do with the VM's placeholder pod once <paramref name="desired"/> (null: the VM is finalized) is written.</summary>
    private PodAction? PodPlan(NumaVirtualMachine vm, NumaVirtualMachine? desired)
    {
        var ns = vm.Metadata.NamespaceProperty ?? string.Empty;
        var name = PlaceholderPod.NameOf(vm.Metadata.Name);
        var existing = pods.Get(ns + "/" + name);
        VmPlacement? placement = null;
        if (desired?.Status is { NodeName: { } nodeName, Placement: not null } && ledger.PlacementOf(vm.Key) is { } held && held.NodeName == nodeName)
        {
            placement = held;
        }

        if (placement is null)
        {
            return existing is not null ? new PodAction.Delete(ns, name) : null;
        }

        if (existing is null)
        {
            return new PodAction.Create(() => PlaceholderPod.For(desired!, placement, placeholderImage));
        }

        var wanted = PlaceholderPod.For(desired!, placement, placeholderImage);
        return PlaceholderPod.Matches(existing, wanted) ? null : new PodAction.Delete(ns, name); // its deletion queues the VM, which creates it anew
    }

    /// <summary>
    /// The agent refused the recorded placement for lack of free hugepages: give it back, remember where (avoided for a
    /// while), clear the agent's verdict and place the VM again now, or report it Unschedulable after too many refusals.
    /// </summary>
    private WritePlan Replace(NumaVirtualMachine vm, NumaVirtualMachine desired, VmPlacement refused, string refusal, VmRequest wanted, DateTime now)
    {
        var status = desired.Status!;
        ledger.Release(vm.Key);
        var failure = new PlacementFailureStatus
        {
            NodeName = refused.NodeName,
            HostNodes = refused.HostNodes.ToString(),
            Time = now,
            Message = refusal.Length <= 1024 ? refusal : refusal[..1024],
        };
        status.PlacementFailures = PlacementFailures.Record(status.PlacementFailures, failure, now, retry.AvoidFor);
        ConditionList.Remove(status.Conditions, VmConditions.Running);
        ConditionList.Remove(status.Conditions, VmConditions.NumaAligned);
        ConditionList.Remove(status.Conditions, VmConditions.Ready);
        status.Placement = null;
        status.NodeName = null;
        var plan = PlaceNew(vm, desired, wanted, now);
        var outcome = desired.Status!.Placement is not null
            ? $"placed again on {desired.Status.NodeName} host NUMA nodes {ledger.PlacementOf(vm.Key)?.HostNodes}"
            : "not placed again: " + ConditionList.Find(desired.Status.Conditions, VmConditions.Scheduled)?.Message;
        var message = $"{PlacementFailures.Where(failure)} refused the placement at pre-flight ({refusal}); {outcome}";
        return plan with { Event = SchedulingEdits.Warning(EventPlacementRefused, message) };
    }

    /// <summary>Scheduled=False for a VM refused too often: waits until the oldest refusal expires (queued then), or for capacity.</summary>
    private WritePlan GiveUp(NumaVirtualMachine vm, NumaVirtualMachine desired, IReadOnlyList<PlacementFailureStatus> recent, DateTime now)
    {
        Attempted(ResultUnschedulable);
        unschedulable[vm.Key] = 0;
        var message = PlacementFailures.GaveUp(recent, retry);
        SchedulingStatus.ApplyUnschedulable(desired, message, now);
        SchedulingEdits.ClearStalled(desired);
        var wait = PlacementFailures.RetryAt(recent, retry) - clock.GetUtcNow().UtcDateTime;
        queue.AddAfter(vm.Key, wait > TimeSpan.Zero ? wait + TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(1));
        return new WritePlan(vm, desired, SchedulingEdits.Warning(EventFailedScheduling, message));
    }
}
