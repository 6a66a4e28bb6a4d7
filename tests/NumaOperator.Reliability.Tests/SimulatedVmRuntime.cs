using NumaOperator.Agent.Runtime;
using NumaOperator.Agent.Tests;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Supervision;

namespace NumaOperator.Reliability.Tests;

/// <summary>
/// The real agent's seam to its VM processes, answered by a <see cref="SimulatedHost"/>: a start takes the VM's pages
/// and CPUs on the host (a second QEMU, or pages the host does not have, is a violation there), a stop gives them
/// back, and a process survives the agent instance that started it, so the next instance adopts it. A simulated
/// state dir is its process. <see cref="SimulatedFlaw.ReportsStoppedWithoutKilling"/> plants the bug the harness must
/// catch: stops leave the process running.
/// </summary>
internal sealed partial class SimulatedVmRuntime(SimulatedHost host, Func<Guid, NumaVirtualMachine?> vmOf, SimulatedFlaw flaw) : IVmRuntime
{
    public Task<(QemuCapabilities? Capabilities, string? Problem)> ProbeQemuAsync(CancellationToken ct) =>
        Task.FromResult<(QemuCapabilities?, string?)>((null, "a simulated host has no QEMU to probe"));

    public VmStatePaths StatePaths(Guid uid) => new($"/simulated/{host.Name}/vms/{uid:D}");

    public IReadOnlyList<Guid> StateDirectories() => [.. host.Processes().Select(p => Guid.Parse(p.Uid))];

    public bool HasStateDirectory(Guid uid) => Of(uid) is not null;

    public int? RunningPid(Guid uid) => Of(uid)?.Pid;

    public IPreparedLaunch Prepare(VmLaunchRequest request) => new Launch(request.Uid);

    public Task<IVmProcess> StartAsync(IPreparedLaunch launch, CancellationToken ct)
    {
        var vm = vmOf(launch.Uid) ?? throw new VmStartFailedException($"QEMU did not start: VM {launch.Uid} left this node's cache");
        return Task.FromResult<IVmProcess>(new Process(launch.Uid, host.Start(vm).Pid));
    }

    public Task<IVmProcess> AdoptAsync(Guid uid, CancellationToken ct) =>
        Of(uid) is { } process ? Task.FromResult<IVmProcess>(new Process(uid, process.Pid)) : throw new VmAdoptFailedException($"no simulated QEMU of {uid} runs on {host.Name}");

    public bool IsAlive(IVmProcess process) => Of(process.Uid)?.Pid == process.Pid;

    /// <summary>A simulated QEMU only ends by a kill or a host crash, never by a guest poweroff.</summary>
    public Task<string> ExitReasonAsync(IVmProcess process, CancellationToken ct) => Task.FromResult(NumaOperator.Api.Status.ExitReasons.Crashed);

    public IReadOnlyList<string> VerifyPinning(IVmProcess process, PinningPlan plan) => [];

    public IReadOnlyList<string> Repin(IVmProcess process, PinningPlan plan) => [];

    public IReadOnlyList<string> ConfineAgent(CpuSet dedicated) => [];

    public Task<VmSample> SampleAsync(IVmProcess process, VmPlacement placement, CancellationToken ct) =>
        Task.FromResult(IsAlive(process) ? PlacedNumaMaps.Sample(placement) : new VmSample.Unreadable($"simulated pid {process.Pid} is gone"));

    public Task StopAsync(IVmProcess process, CancellationToken ct)
    {
        if (flaw != SimulatedFlaw.ReportsStoppedWithoutKilling && Of(process.Uid) is { } running && running.Pid == process.Pid)
        {
            host.Kill(running);
        }

        return Task.CompletedTask;
    }

    public Task<OrphanStop> StopOrphanAsync(Guid uid, CancellationToken ct)
    {
        if (Of(uid) is not { } process)
        {
            return Task.FromResult(new OrphanStop(OrphanStopKind.NothingRan, null));
        }

        host.Kill(process);
        return Task.FromResult(new OrphanStop(OrphanStopKind.Stopped, process.Pid));
    }

    public ValueTask ReleaseAsync(IVmProcess process) => ValueTask.CompletedTask;

    public string SerialTail(Guid uid) => string.Empty;

    /// <summary>Nothing to remove: a simulated state dir goes with its process.</summary>
    public void ClearStateDirectory(Guid uid)
    {
    }

    /// <summary>The simulation keeps no disks.</summary>
    public IReadOnlyList<Guid> DiskDirectories() => [];

    public void RemoveDisks(Guid uid)
    {
    }

    private SimulatedProcess? Of(Guid uid) => host.Processes().FirstOrDefault(p => Guid.TryParse(p.Uid, out var u) && u == uid);

    private sealed record Launch(Guid Uid) : IPreparedLaunch;

    private sealed record Process(Guid Uid, int Pid) : IVmProcess
    {
        public QemuCpu? Cpu => null;

        public LaunchTimings? Timings => null;
    }
}
