using NumaOperator.Api.Conversion;
using NumaOperator.Api.Status;
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

    /// <summary>Clear a dead QEMU's state dir; <paramref name="ReportDied"/>: status said it ran, so its exit is recorded (Lost) and the run strategy decides.</summary>
    public sealed record ClearLeftovers(bool ReportDied) : VmAction;

    /// <summary>Take over a running QEMU; when that fails, its state dir is cleared as in <see cref="ClearLeftovers"/>.</summary>
    public sealed record Adopt(bool ReportDiedIfFails) : VmAction;

    /// <summary>Stop the held QEMU (Stopping first) when <paramref name="HeldProcess"/>, then Stopped with <paramref name="Why"/>.</summary>
    public sealed record Stop(bool HeldProcess, string Why) : VmAction;

    /// <summary>The held QEMU exited by itself: status.restarts records it, the run strategy decides whether it restarts.</summary>
    public sealed record ReportExited : VmAction;

    /// <summary>Its QEMU exited and the restart backoff runs until <paramref name="Until"/>: nothing to do before then.</summary>
    public sealed record WaitToRestart(DateTime Until) : VmAction;

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
            return new VmAdmission.Managed(uid, placement, RunStrategies.WantsRunning(vm));
        }
        catch (FormatException e)
        {
            return new VmAdmission.Ignored("unreadable status.placement: " + e.Message);
        }
    }

    /// <summary><paramref name="now"/>: the agent's clock, against status.restarts.nextRestartAt.</summary>
    public static VmAction Decide(NumaVirtualMachine vm, bool wantRunning, HeldProcess held, Leftover leftover, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(vm);
        if (held == HeldProcess.None && leftover != Leftover.None)
        {
            var ranPerStatus = wantRunning && vm.Status?.Phase is AgentConditions.PhaseRunning or AgentConditions.PhaseStarting or AgentConditions.PhaseStopping;
            return leftover == Leftover.QemuRuns ? new VmAction.Adopt(ranPerStatus) : new VmAction.ClearLeftovers(ranPerStatus);
        }

        if (!wantRunning)
        {
            return new VmAction.Stop(held != HeldProcess.None, StopReason(vm));
        }

        return held switch
        {
            HeldProcess.Dead => new VmAction.ReportExited(),
            HeldProcess.Alive => new VmAction.ConfirmRunning(),
            _ when AgentConditions.FailedForThisGeneration(vm) => new VmAction.StayFailed(),
            _ when vm.Status?.Restarts?.NextRestartAt is { } at && at > now => new VmAction.WaitToRestart(at),
            _ => new VmAction.Start(),
        };
    }

    /// <summary>A restart (numa-operator restart) was requested after the held QEMU was started or adopted at <paramref name="heldSince"/>.</summary>
    public static bool RestartRequested(NumaVirtualMachine vm, DateTime heldSince) =>
        PowerRequest.Of(vm) is { Action: PowerAction.Restart } request && request.At > heldSince;

    /// <summary>Why QEMU does not run although the VM is placed here (the Running=False message of phase Stopped).</summary>
    public static string StopReason(NumaVirtualMachine vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        if (vm.Metadata.DeletionTimestamp is not null)
        {
            return "QEMU stopped: the VM is being deleted";
        }

        var exit = vm.Status?.Restarts;
        var exited = exit?.LastExitTime is { } t ? $"QEMU exited on its own ({exit.LastExitReason} at {t:yyyy-MM-dd'T'HH:mm:ss'Z'})" : null;
        return RunStrategies.Of(vm.Spec) switch
        {
            RunStrategies.Halted when vm.Spec.RunStrategy is null => "QEMU stopped: spec.running is false",
            RunStrategies.Halted => "QEMU stopped: spec.runStrategy is Halted",
            RunStrategies.Manual when PowerRequest.Of(vm) is { Action: PowerAction.Stop } stop => $"QEMU stopped: runStrategy Manual, stop requested at {stop.At:yyyy-MM-dd'T'HH:mm:ss'Z'}",
            RunStrategies.Manual when exited is not null && PowerRequest.Of(vm) is not null => exited + "; runStrategy Manual does not restart it: numa-operator start",
            RunStrategies.Manual => "QEMU not started: runStrategy Manual and no start requested (numa-operator start)",
            _ => (exited ?? "QEMU exited on its own") + $"; runStrategy {RunStrategies.Of(vm.Spec)} does not restart a guest that powered off: numa-operator start",
        };
    }

    /// <summary>The informer's label selector, applied to an object the cache holds.</summary>
    private static bool LabelledFor(NumaVirtualMachine vm, string nodeName) =>
        vm.Metadata.Labels is { } labels && labels.TryGetValue(ApiGroup.NodeLabel, out var node) && node == nodeName;
}
