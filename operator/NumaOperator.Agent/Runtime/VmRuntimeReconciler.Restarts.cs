using Microsoft.Extensions.Logging;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// Unrequested exits and the run strategy: an exit is recorded in status.restarts (why, when, the evidence) with an
/// Event, then Always and RerunOnFailure (not after a guest poweroff) restart QEMU once the backoff
/// (<see cref="RestartBackoff"/>) passes (Running=False RestartBackoff meanwhile), and the others leave it Stopped.
/// </summary>
public sealed partial class VmRuntimeReconciler
{
    public const string EventExited = "Exited";
    public const string EventRestarted = "Restarted";

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Starting; a start that ends a restart backoff counts the restart (status.restarts.count) and clears nextRestartAt.</summary>
    private static void SetStarting(NumaVirtualMachine vm, DateTime now)
    {
        if (vm.Status?.Restarts is { NextRestartAt: not null } restarts)
        {
            restarts.Count++;
            restarts.NextRestartAt = null;
        }

        AgentConditions.SetStarting(vm, now);
    }

    /// <summary>Stopped as asked: a restart that was due is called off.</summary>
    private static void SetStopped(NumaVirtualMachine vm, string why, DateTime now)
    {
        if (vm.Status?.Restarts is { } restarts)
        {
            restarts.NextRestartAt = null;
        }

        AgentConditions.SetStopped(vm, why, now);
    }

    /// <summary>The held QEMU exited by itself: let go of it, clear its state dir, record the exit. Null when the VM is gone.</summary>
    private async Task<NumaVirtualMachine?> OnExitedAsync(NumaVirtualMachine vm, Guid uid, TrackedVm held, CancellationToken ct)
    {
        var reason = await runtime.ExitReasonAsync(held.Process, ct);
        var how = reason == ExitReasons.GuestShutdown ? "exited after the guest powered off" : "exited on its own (crashed or killed)";
        var evidence = $"QEMU pid {held.Process.Pid} {how}" + runtime.SerialTail(uid);
        log.LogWarning("VM {Key}: {Evidence}", vm.Key, evidence);
        tracked.TryRemove(uid, out _);
        await runtime.ReleaseAsync(held.Process);
        runtime.ClearStateDirectory(uid);
        hugepagesChanged();
        return await RecordExitAsync(vm, reason, evidence, status.Now() - held.TrackedSince, ct);
    }

    /// <summary>
    /// status.restarts after an exit nobody asked for, and an Event; when the run strategy restarts it, Running=False
    /// RestartBackoff until nextRestartAt. Otherwise the next decision finds it not wanted and writes Stopped. Null when the VM is gone.
    /// </summary>
    private async Task<NumaVirtualMachine?> RecordExitAsync(NumaVirtualMachine vm, string reason, string evidence, TimeSpan? ranFor, CancellationToken ct)
    {
        var now = status.Now();
        var strategy = RunStrategies.Of(vm.Spec);
        RestartStatus? recorded = null;
        var written = await status.WriteAsync(vm, d =>
        {
            var restarts = options.RestartBackoff.OnExit(d.Status?.Restarts, strategy, reason, evidence, now, ranFor);
            (d.Status ??= new NumaVirtualMachineStatus()).Restarts = recorded = restarts;
            if (restarts.NextRestartAt is { } at)
            {
                AgentConditions.SetRestartBackoff(d, $"{evidence}; runStrategy {strategy} restarts it at {at:yyyy-MM-dd'T'HH:mm:ss'Z'} (restart {restarts.Count + 1}, backoff {(at - now).TotalSeconds:0}s)", now);
            }
            else
            {
                AgentConditions.UpdateReady(d, now);
            }
        }, ct);
        if (written is null || recorded is null)
        {
            return null;
        }

        var outcome = recorded.NextRestartAt is { } next
            ? $"restarting at {next:yyyy-MM-dd'T'HH:mm:ss'Z'} (restart {recorded.Count + 1}, runStrategy {strategy})"
            : $"not restarted (runStrategy {strategy})";
        var message = $"{reason}: {evidence}; {outcome}";
        if (reason == ExitReasons.GuestShutdown)
        {
            await status.Events.NormalAsync(written, EventExited, message, ct);
        }
        else
        {
            await status.Events.WarningAsync(written, EventExited, message, ct);
        }

        return written;
    }

    /// <summary>A start that ended a restart backoff: one Normal Event per restart.</summary>
    private async Task ReportRestartAsync(NumaVirtualMachine before, NumaVirtualMachine started, int pid, CancellationToken ct)
    {
        if (before.Status?.Restarts is { NextRestartAt: not null } && started.Status?.Restarts is { } restarts)
        {
            await status.Events.NormalAsync(started, EventRestarted, $"QEMU pid {pid} started again after {restarts.LastExitReason} (restart {restarts.Count})", ct);
        }
    }
}
