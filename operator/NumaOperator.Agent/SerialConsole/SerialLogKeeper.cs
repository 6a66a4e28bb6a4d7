using Microsoft.Extensions.Logging;
using NumaOperator.Agent.Runtime;

namespace NumaOperator.Agent.SerialConsole;

/// <summary>Every <c>interval</c>, bounds the serial log of each running VM (<see cref="SerialLogBound"/>).</summary>
public sealed class SerialLogKeeper(Func<IEnumerable<Guid>> runningVms, IVmRuntime runtime, AgentOptions options, ILogger log)
{
    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.SerialLogCheckInterval, options.Clock);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                KeepOnce();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public void KeepOnce()
    {
        foreach (var uid in runningVms())
        {
            var state = runtime.StatePaths(uid);
            try
            {
                if (SerialLogBound.Enforce(state, options.SerialLogMaxBytes))
                {
                    log.LogInformation("serial log of VM {Uid} passed {Max} bytes: its newest part kept in {Previous}, {Log} truncated", uid, options.SerialLogMaxBytes, state.SerialLogPrevious, state.SerialLog);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.LogWarning("bounding the serial log {Log} of VM {Uid} failed: {Message}", state.SerialLog, uid, e.Message);
            }
        }
    }
}
