using System.Globalization;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Api.Status;

/// <summary>
/// spec.runStrategy (KubeVirt's names and meanings) and whether a VM should run now. The controller's GitOps summary,
/// the agent and the standalone stopper all read this one rule. Pure: the times compared come from the object.
/// </summary>
public static class RunStrategies
{
    public const string Always = "Always";
    public const string RerunOnFailure = "RerunOnFailure";
    public const string Manual = "Manual";
    public const string Halted = "Halted";

    public static IReadOnlyList<string> All { get; } = [Always, RerunOnFailure, Manual, Halted];

    /// <summary>spec.runStrategy, else spec.running as its shorthand (true or omitted: Always, false: Halted).</summary>
    public static string Of(NumaVirtualMachineSpec? spec) =>
        spec?.RunStrategy ?? (spec?.Running == false ? Halted : Always);

    /// <summary>
    /// Whether QEMU should run: never while the VM is deleted. Always: yes. Halted: no. RerunOnFailure: yes, unless
    /// the guest powered off and no start was requested since. Manual: only when the last power request is a start
    /// (or restart) made after QEMU last exited on its own: the agent never starts it again by itself.
    /// </summary>
    public static bool WantsRunning(NumaVirtualMachine vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        if (vm.Metadata.DeletionTimestamp is not null)
        {
            return false;
        }

        var request = PowerRequest.Of(vm);
        var restarts = vm.Status?.Restarts;
        var startedSinceExit = request is { Action: not PowerAction.Stop } r && (restarts?.LastExitTime is not { } exit || r.At > exit);
        return Of(vm.Spec) switch
        {
            Halted => false,
            Manual => startedSinceExit,
            RerunOnFailure => restarts?.LastExitReason != ExitReasons.GuestShutdown || startedSinceExit,
            _ => true,
        };
    }

    /// <summary>Whether an unrequested exit of <paramref name="reason"/> is restarted under <paramref name="strategy"/>.</summary>
    public static bool RestartsAfter(string strategy, string reason) => strategy switch
    {
        Always => true,
        RerunOnFailure => ExitReasons.IsFailure(reason),
        _ => false,
    };
}

public enum PowerAction
{
    Start,
    Stop,
    Restart,
}

/// <summary>
/// The last start/stop/restart a user asked for, as <c>numa-operator start|stop|restart</c> records it: the annotation
/// numaoperator.io/power-request = "ACTION TIME" (e.g. "Start 2026-12-04T23:50:00Z"). Like KubeVirt's start/stop/restart
/// subresources it is a request, not desired state; the newest one wins. An annotation, not spec: it does not bump
/// metadata.generation, so GitOps tools that own the spec do not fight it.
/// </summary>
public sealed record PowerRequest(PowerAction Action, DateTime At)
{
    public const string Annotation = ApiGroup.Group + "/power-request";

    public override string ToString() => Action + " " + At.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The VM's request, or null when it has none or it is unreadable (the validator rejects those).</summary>
    public static PowerRequest? Of(NumaVirtualMachine vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        return vm.Metadata.Annotations is { } a && a.TryGetValue(Annotation, out var text) ? Parse(text) : null;
    }

    public static PowerRequest? Parse(string? text)
    {
        var parts = (text ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2
            && Enum.TryParse<PowerAction>(parts[0], ignoreCase: false, out var action) && Enum.IsDefined(action) && !int.TryParse(parts[0], out _)
            && DateTime.TryParseExact(parts[1], "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
            ? new PowerRequest(action, at)
            : null;
    }
}
