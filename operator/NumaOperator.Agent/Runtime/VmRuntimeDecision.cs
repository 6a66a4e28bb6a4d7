using NumaOperator.Api.Conversion;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Agent.Runtime;

/// <summary>Whether this node's agent runs anything for a VM key at all.</summary>
public abstract record VmAdmission
{
    private VmAdmission()
    {
    }

    /// <summary>
    /// Not this node's VM (deleted after the controller released it, or moved): nothing may keep running for the key.
    /// <paramref name="Forget"/>: the cache still holds it although its label moved away, so it is dropped there too.
    /// </summary>
    public sealed record Gone(bool Forget) : VmAdmission;

    /// <summary>Nothing to do; <paramref name="Problem"/> is logged as an error when set.</summary>
    public sealed record Ignored(string? Problem) : VmAdmission;

    /// <summary>Placed here: its QEMU should run when <paramref name="WantRunning"/>.</summary>
    public sealed record Managed(Guid Uid, VmPlacement Placement, bool WantRunning) : VmAdmission;
}

/// <summary>What this agent holds for a VM, as observed just before deciding.</summary>
public enum HeldProcess
{
    None,
    Alive,
    Dead,
}

/// <summary>A state dir this agent holds no process for (left by a previous agent).</summary>
public enum Leftover
{
    None,

    /// <summary>Its QEMU runs: adopt it.</summary>
    QemuRuns,

    /// <summary>Nothing runs for it: clear it.</summary>
    NothingRuns,
}

/// <summary>The one next step for a VM placed on this node.</summary>
public abstract record VmAction
{
    private VmAction()
    {
    }

    /// <summary>Clear a dead QEMU's state dir; <paramref name="ReportDied"/>: status said it ran, so the VM is Failed (ProcessExited).</summary>
    public sealed record ClearLeftovers(bool ReportDied) : VmAction;

    /// <summary>Take over a running QEMU; when that fails, its state dir is cleared as in <see cref="ClearLeftovers"/>.</summary>
    public sealed record Adopt(bool ReportDiedIfFails) : VmAction;

    /// <summary>Stop the held QEMU (Stopping first) when <paramref name="HeldProcess"/>, then Stopped with <paramref name="Why"/>.</summary>
    public sealed record Stop(bool HeldProcess, string Why) : VmAction;

    /// <summary>The held QEMU exited by itself: Failed (ProcessExited), not restarted.</summary>
    public sealed record ReportExited : VmAction;

    /// <summary>The held QEMU runs: status says Running, numa_maps is sampled when due.</summary>
    public sealed record ConfirmRunning : VmAction;

    /// <summary>Failed for this generation: nothing until the spec changes or running is toggled (level-triggered).</summary>
    public sealed record StayFailed : VmAction;

    /// <summary>Pre-flight, launch, pin, cont.</summary>
    public sealed record Start : VmAction;
}

/// <summary>
/// The agent's decisions for one VM key, from what the cache holds and what runs on this node. Pure: no clock, no
/// I/O; <see cref="VmRuntimeReconciler"/> observes, asks, and carries the step out (then asks again after an
/// adoption or a clear-up, which change what runs).
/// </summary>
public static class VmRuntimeDecision
{
    public static VmAdmission Admit(NumaVirtualMachine? vm, string nodeName)
    {
        if (vm is null)
        {
            return new VmAdmission.Gone(Forget: false);
        }

        if (!LabelledFor(vm, nodeName))
        {
            // Our own status write can put a VM back into the cache after its label moved away (the write raced the
            // DELETED the server sent for the move, and no other event follows): it is not this node's VM any more.
            return new VmAdmission.Gone(Forget: true);
        }

        if (!Guid.TryParse(vm.Metadata.Uid, out var uid))
        {
            return new VmAdmission.Ignored($"has no UUID metadata.uid ({vm.Metadata.Uid}); cannot run it");
        }

        var status = vm.Status;
        if (status?.Placement is null || status.NodeName != nodeName)
        {
            return new VmAdmission.Ignored(null); // not (or no longer) placed here; the label moves after the placement
        }

        try
        {
            var placement = PlacementConversion.FromStatus(status.NodeName, status.Placement);
            return new VmAdmission.Managed(uid, placement, vm.Spec.Running != false && vm.Metadata.DeletionTimestamp is null);
        }
        catch (FormatException e)
        {
            return new VmAdmission.Ignored("unreadable status.placement: " + e.Message);
        }
    }

    public static VmAction Decide(NumaVirtualMachine vm, bool wantRunning, HeldProcess held, Leftover leftover)
    {
        ArgumentNullException.ThrowIfNull(vm);
        if (held == HeldProcess.None && leftover != Leftover.None)
        {
            var ranPerStatus = wantRunning && vm.Status?.Phase is AgentConditions.PhaseRunning or AgentConditions.PhaseStarting or AgentConditions.PhaseStopping;
            return leftover == Leftover.QemuRuns ? new VmAction.Adopt(ranPerStatus) : new VmAction.ClearLeftovers(ranPerStatus);
        }

        if (!wantRunning)
        {
            var why = vm.Metadata.DeletionTimestamp is not null ? "QEMU stopped: the VM is being deleted" : "QEMU stopped: spec.running is false";
            return new VmAction.Stop(held != HeldProcess.None, why);
        }

        return held switch
        {
            HeldProcess.Dead => new VmAction.ReportExited(),
            HeldProcess.Alive => new VmAction.ConfirmRunning(),
            _ when AgentConditions.FailedForThisGeneration(vm) => new VmAction.StayFailed(),
            _ => new VmAction.Start(),
        };
    }

    /// <summary>The informer's label selector, applied to an object the cache holds.</summary>
    private static bool LabelledFor(NumaVirtualMachine vm, string nodeName) =>
        vm.Metadata.Labels is { } labels && labels.TryGetValue(ApiGroup.NodeLabel, out var node) && node == nodeName;
}
