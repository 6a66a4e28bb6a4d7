using Microsoft.Extensions.Logging;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Controller.Scheduling;

/// <summary>
/// The decision for a VM that is not being deleted: keep its recorded placement (double-booking, spec drift and node
/// liveness judged), reject an invalid spec, or place it now against the ledger. Each step returns what to write.
/// </summary>
public sealed partial class SchedulingReconciler
{
    private WritePlan Schedule(NumaVirtualMachine vm)
    {
        var now = Now();
        var desired = ObjectKey.Clone(vm);
        SchedulingEdits.AddFinalizer(desired.Metadata); // written with the node label, before any agent acts on the VM
        var status = desired.Status ??= new NumaVirtualMachineStatus();
        var validation = NumaVirtualMachineValidator.Validate(vm);
        var recorded = RecordedPlacement(vm, status);
        if (recorded is not null && IsMigrating(vm))
        {
            return KeepWhileMigrating(vm, desired, recorded);
        }

        if (recorded is not null && PlacementFailures.Refusal(vm) is { } refusal && validation.Request is { } again)
        {
            return Replace(vm, desired, recorded, refusal, again, now);
        }

        if (recorded is not null && KeepRecorded(vm, desired, recorded, validation, now) is { } kept)
        {
            return kept;
        }

        if (!validation.IsValid || validation.Request is not { } wanted)
        {
            return RejectInvalid(vm, desired, validation, now);
        }

        return PlaceNew(vm, desired, wanted, now);
    }

    /// <summary>The placement the status records, when it names a node and still parses.</summary>
    private VmPlacement? RecordedPlacement(NumaVirtualMachine vm, NumaVirtualMachineStatus status) =>
        status.Placement is not null && !string.IsNullOrEmpty(status.NodeName) && TryReadPlacement(vm, out var recorded)
            ? recorded
            : null;

    /// <summary>
    /// Keeps a recorded placement (the plan to write), or gives it back when the VM is stopped with a changed
    /// spec (null: the caller places the new spec now).
    /// </summary>
    private WritePlan? KeepRecorded(NumaVirtualMachine vm, NumaVirtualMachine desired, VmPlacement recorded, VmValidationResult validation, DateTime now)
    {
        var status = desired.Status!;
        if (!ledger.Contains(vm.Key) && !ledger.TryRecord(vm.Key, recorded, out var refused))
        {
            Attempted(ResultConflict);
            SchedulingEdits.SetStalled(desired, ReasonPlacementConflict, $"the recorded placement cannot be honoured without double-booking: {refused}", now);
            return new WritePlan(vm, desired, null);
        }

        var drift = validation.Request is { } request ? SpecDrift.Describe(request, recorded) : null;
        if (drift is not null && !RunStrategies.WantsRunning(vm) && QemuGoneSignal.IsGone(vm, NodeExists(status.NodeName)))
        {
            // Stopped with a changed spec: give the old placement back and place the new spec now.
            ledger.Release(vm.Key);
            RetryUnschedulable();
            status.Placement = null;
            status.NodeName = null;
            return null;
        }

        SchedulingEdits.KeepPlacement(desired, drift, validation.IsValid ? null : validation.Summary, now);

        // Judged on the untruncated clock, as the liveness watch that queued this VM judged it.
        var lost = NodeLiveness.LostMessage(status.NodeName!, topologies.Get(status.NodeName!), clock.GetUtcNow().UtcDateTime, nodeLostAfter);
        return new WritePlan(vm, desired, NodeLiveness.Apply(desired, lost, now));
    }

    private WritePlan RejectInvalid(NumaVirtualMachine vm, NumaVirtualMachine desired, VmValidationResult validation, DateTime now)
    {
        ledger.Release(vm.Key);
        unschedulable.TryRemove(vm.Key, out _);
        Attempted(ResultInvalid);
        SchedulingStatus.ApplyInvalidSpec(desired, validation.Errors, now);
        SchedulingEdits.SetStalled(desired, SchedulingStatus.ReasonInvalidSpec, validation.Summary, now);
        return new WritePlan(vm, desired, SchedulingEdits.Warning("InvalidSpec", validation.Summary));
    }

    private WritePlan PlaceNew(NumaVirtualMachine vm, NumaVirtualMachine desired, VmRequest wanted, DateTime now)
    {
        // A placement decided earlier whose write failed is written again, unless the spec moved on since.
        var pending = ledger.PlacementOf(vm.Key);
        if (pending is not null && SpecDrift.Describe(wanted, pending) is not null)
        {
            ledger.Release(vm.Key);
            pending = null;
        }

        if (pending is null)
        {
            var recent = PlacementFailures.Recent(desired.Status!.PlacementFailures, now, retry.AvoidFor);
            if (recent.Count >= retry.MaxTries)
            {
                return GiveUp(vm, desired, recent, now);
            }

            if (QuotaRefusal(vm, wanted) is { } overQuota)
            {
                Attempted(ResultUnschedulable);
                unschedulable[vm.Key] = 0;
                SchedulingStatus.ApplyUnschedulable(desired, overQuota, now);
                SchedulingEdits.ClearStalled(desired);
                return new WritePlan(vm, desired, SchedulingEdits.Warning(ReasonQuotaExceeded, overQuota));
            }

            switch (AvoidingPlacement.Decide(ledger, wanted, packing, recent))
            {
                case PlacementDecision.Placed placed:
                    Attempted(ResultPlaced);
                    ledger.Place(vm.Key, placed.Placement);
                    pending = placed.Placement;
                    break;
                case PlacementDecision.NotSchedulable notSchedulable:
                    Attempted(ResultUnschedulable);
                    unschedulable[vm.Key] = 0;
                    SchedulingStatus.ApplyUnschedulable(desired, notSchedulable.Summary, now);
                    SchedulingEdits.ClearStalled(desired); // Reconciling=True "waiting for capacity" follows from Scheduled=False
                    return new WritePlan(vm, desired, SchedulingEdits.Warning(EventFailedScheduling, notSchedulable.Summary));
            }
        }

        unschedulable.TryRemove(vm.Key, out _);
        SchedulingStatus.ApplyPlaced(desired, pending!, now);
        ConditionList.Remove(desired.Status!.Conditions, ConditionRestartRequired);
        SchedulingEdits.ClearStalled(desired);
        return new WritePlan(vm, desired, null);
    }

    private bool TryReadPlacement(NumaVirtualMachine vm, out VmPlacement placement)
    {
        try
        {
            placement = PlacementConversion.FromStatus(vm.Status!.NodeName!, vm.Status.Placement!);
            return true;
        }
        catch (FormatException e)
        {
            log.LogError("{Key}: unreadable status.placement: {Message}", vm.Key, e.Message);
            placement = null!;
            return false;
        }
    }
}
