using System.Diagnostics;
using Microsoft.Extensions.Logging;
using NumaOperator.Agent.Launch;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Supervision;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// Starting a VM: the host checks and pinning plan, the launch request (boot files, interfaces, disks and cloud-init
/// seed, pinning), QEMU started, then Running written and the first sample taken.
/// </summary>
public sealed partial class VmRuntimeReconciler
{
    private async Task<ReconcileResult> StartAsync(NumaVirtualMachine vm, VmAdmission.Managed managed, CancellationToken ct)
    {
        using var activity = AgentTelemetry.Source.StartActivity("start vm");
        activity?.SetTag("vm", vm.Key);
        var host = topology() ?? throw new InvalidOperationException("host topology not read yet; retrying");
        var pinning = cpus.PlanStart(managed.Uid, managed.Placement, host, tracked.Values);
        try
        {
            return await StartPlannedAsync(vm, managed, host, pinning, activity, ct);
        }
        finally
        {
            cpus.StartEnded(managed.Uid);
        }
    }

    private async Task<ReconcileResult> StartPlannedAsync(NumaVirtualMachine vm, VmAdmission.Managed managed, HostTopology host, PinningPlan pinning, Activity? activity, CancellationToken ct)
    {
        IPreparedLaunch prepared;
        try
        {
            // Everything but the boot files comes from status.placement (accelerator, CPU model, policy included), so
            // the spec is not parsed again here and SpecDrift sees every field that changes the argv.
            var (capabilities, problem) = qemu();
            var seed = await CloudInitSources.ResolveAsync(vm, secrets, ct);
            prepared = runtime.Prepare(new VmLaunchRequest(vm.Metadata.Name, managed.Uid, managed.Placement, SpecBootFiles.Of(vm.Spec.Boot), host, capabilities, problem)
            {
                Interfaces = SpecInterfaces.Of(managed.Uid, vm.Spec.Interfaces),
                Pinning = pinning,
                Disks = SpecDisks.Of(vm, seed),
            });
        }
        catch (CloudInitUnavailableException e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            await status.FailAsync(vm, CloudInitSources.ReasonCloudInitUnavailable, e.Message, ct);
            return ReconcileResult.After(options.PreflightRetryInterval);
        }
        catch (LaunchRefusedException e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            var badBoot = e.Refusal == LaunchRefusal.BadBootFile;
            await status.FailAsync(vm, AgentConditions.RefusalReason(e.Refusal), "pre-flight: " + e.Message, ct);
            return badBoot ? ReconcileResult.Done : ReconcileResult.After(options.PreflightRetryInterval);
        }

        var current = await status.WriteAsync(vm, d => SetStarting(d, status.Now()), ct);
        if (current is null)
        {
            return ReconcileResult.Done;
        }

        IVmProcess process;
        try
        {
            process = await runtime.StartAsync(prepared, ct);
        }
        catch (VmStartFailedException e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            hugepagesChanged();
            await status.FailAsync(current, AgentConditions.ReasonStartFailed, e.Message, ct);
            return ReconcileResult.Done;
        }

        return await OnStartedAsync(vm, current, new TrackedVm(vm.Key, process, managed.Placement, adopted: false) { TrackedSince = status.Now() }, ct);
    }

    private async Task<ReconcileResult> OnStartedAsync(NumaVirtualMachine vm, NumaVirtualMachine current, TrackedVm held, CancellationToken ct)
    {
        var process = held.Process;
        tracked[process.Uid] = held;
        AgentTelemetry.CountStart(vm.Key, options.NodeName, RestartRule.IsRestart(vm));
        hugepagesChanged();
        var timings = process.Timings;
        log.LogInformation(
            "VM {Key} started: QEMU pid {Pid} ({Strategy}), daemonized {Daemonized} ms, running {Running} ms",
            vm.Key, process.Pid, options.LaunchStrategy.Name, (int?)timings?.Daemonized.TotalMilliseconds, (int?)timings?.Running.TotalMilliseconds);
        var written = await status.WriteAsync(
            current,
            d =>
            {
                AgentConditions.SetRunning(d, held.RunningMessage(options.NodeName, options.LaunchStrategy.Name), status.Now());
                d.Status!.Interfaces = SpecInterfaces.Status(process.Nics);
            },
            ct);
        await status.Events.NormalAsync(vm, EventStarted, $"QEMU pid {process.Pid} started on {options.NodeName} and pinned", ct);
        await ReportRestartAsync(vm, current, process.Pid, ct);
        return written is null ? ReconcileResult.Done : await sampling.SampleIfDueAsync(written, held, ct);
    }
}
