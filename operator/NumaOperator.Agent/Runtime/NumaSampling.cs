using Microsoft.Extensions.Logging;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Topology;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// A running VM's numa_maps sample when one is due (every SampleInterval), status.numastat written when it changed
/// (<see cref="NumastatDecision"/>), and when its key comes back next (the sooner of the next sample and the next
/// liveness check).
/// </summary>
internal sealed class NumaSampling(IVmRuntime runtime, VmStatusWriter status, AgentOptions options, Func<HostTopology?> topology, ILogger log)
{
    public async Task<ReconcileResult> SampleIfDueAsync(NumaVirtualMachine vm, TrackedVm held, CancellationToken ct)
    {
        var now = status.Now();
        if (held.LastSample is { } last && now - last < options.SampleInterval)
        {
            return Next(held, now);
        }

        using var activity = AgentTelemetry.Source.StartActivity("sample numa_maps");
        activity?.SetTag("vm", vm.Key);
        switch (await runtime.SampleAsync(held.Process, held.Placement, ct))
        {
            case VmSample.Unreadable unreadable:
                AgentTelemetry.CountSample(options.NodeName, AgentTelemetry.SampleUnreadable);
                log.LogInformation("VM {Key}: numa_maps of pid {Pid} unreadable ({Message}); checking liveness", vm.Key, held.Process.Pid, unreadable.Problem);
                return ReconcileResult.After(TimeSpan.FromMilliseconds(200));
            case VmSample.RamNotLocated notLocated:
                log.LogWarning("VM {Key}: QEMU pid {Pid} did not say where its guest RAM is ({Message}); trying again", vm.Key, held.Process.Pid, notLocated.Problem);
                return ReconcileResult.After(options.LivenessInterval);
            case VmSample.Measured measured:
                await RecordAsync(vm, held, measured, now, ct);
                return Next(held, now);
            default:
                throw new InvalidOperationException("unknown sample " + vm.Key);
        }
    }

    private async Task RecordAsync(NumaVirtualMachine vm, TrackedVm held, VmSample.Measured sample, DateTime now, CancellationToken ct)
    {
        var (measurement, verdict) = (sample.Measurement, sample.Verdict);
        held.LastSample = now;
        held.LocalRatio = measurement.LocalRatio;
        held.Verdict = verdict;
        AgentTelemetry.CountSample(options.NodeName, AgentTelemetry.SampleOk);
        var hostNodes = topology()?.NumaNodes.Select(n => n.Id) ?? [];
        var numastat = AgentConditions.Numastat(measurement, hostNodes, now);
        var why = NumastatDecision.ReasonToWrite(vm, numastat, verdict, now, options.NumastatMaxAge);
        if (why is null)
        {
            return;
        }

        var lost = NumastatDecision.AlignmentLost(vm, verdict);
        log.LogDebug("VM {Key}: numastat written ({Why}): {Where}", vm.Key, why, AgentConditions.Describe(numastat));
        var written = await status.WriteAsync(vm, d =>
        {
            AgentConditions.SetRunning(d, held.RunningMessage(options.NodeName, options.LaunchStrategy.Name), now);
            AgentConditions.SetMeasured(d, numastat, verdict, now);
        }, ct);
        if (lost && written is not null)
        {
            log.LogWarning("VM {Key}: {Message}", vm.Key, verdict.Message);
            await status.Events.WarningAsync(vm, verdict.Reason, verdict.Message, ct);
        }
    }

    private ReconcileResult Next(TrackedVm held, DateTime now)
    {
        var untilSample = held.LastSample is { } last ? options.SampleInterval - (now - last) : TimeSpan.Zero;
        var delay = untilSample < options.LivenessInterval ? untilSample : options.LivenessInterval;
        return ReconcileResult.After(delay > TimeSpan.Zero ? delay : TimeSpan.FromMilliseconds(100));
    }
}
