using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// When the agent starts a VM's QEMU again after it exited on its own: the first restart after
/// <see cref="Initial"/>, each further exit in a row doubles the delay up to <see cref="Max"/> (as KubeVirt and
/// kubelet's CrashLoopBackOff do); a run of at least <see cref="StableAfter"/> starts the count over. Pure: the exit
/// time and how long QEMU ran are parameters.
/// </summary>
public sealed record RestartBackoff(TimeSpan Initial, TimeSpan Max, TimeSpan StableAfter)
{
    public static RestartBackoff Default { get; } = new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10));

    /// <summary>The delay before the restart that follows the <paramref name="consecutiveExits"/>-th exit in a row (1-based).</summary>
    public TimeSpan DelayAfter(int consecutiveExits)
    {
        var delay = Initial;
        for (var i = 1; i < consecutiveExits && delay < Max; i++)
        {
            delay += delay;
        }

        return delay < Max ? delay : Max;
    }

    /// <summary>
    /// status.restarts after an unrequested exit of <paramref name="reason"/> at <paramref name="exitAt"/>, under
    /// <paramref name="strategy"/>: nextRestartAt set when the strategy restarts it. <paramref name="ranFor"/>: how long
    /// this agent saw QEMU run (null when it did not see it, e.g. after a host reboot). count moves when the restart happens.
    /// </summary>
    public RestartStatus OnExit(RestartStatus? before, string strategy, string reason, string message, DateTime exitAt, TimeSpan? ranFor)
    {
        var consecutive = ranFor >= StableAfter ? 1 : (before?.ConsecutiveExits ?? 0) + 1;
        return new RestartStatus
        {
            Count = before?.Count ?? 0,
            ConsecutiveExits = consecutive,
            LastExitReason = reason,
            LastExitMessage = message.Length > 1024 ? message[..1021] + "..." : message,
            LastExitTime = exitAt,
            NextRestartAt = RunStrategies.RestartsAfter(strategy, reason) ? exitAt + DelayAfter(consecutive) : null,
        };
    }
}
