using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Networking;
using NumaOperator.Qemu.Disks;
using NumaOperator.Qemu.Preflight;
using NumaOperator.Qemu.Supervision;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// The agent's seam to the VM processes of this node, as KubeVirt's virt-handler talks to its launchers through a
/// client: host pre-flight and launch preparation, start, adoption of a QEMU a previous agent left running,
/// liveness, numa_maps sampling, stop, and the per-VM state dirs (STATE/vms/UID) that outlive the agent. The
/// reconciler decides; this carries it out. The topology publisher asks it what QEMU can do. <see cref="QemuVmRuntime"/> is real QEMU; tests use a fake.
/// </summary>
public partial interface IVmRuntime
{
    /// <summary>What this node's QEMU can run (accelerators, CPU models), through the launch path; or why it cannot run at all.</summary>
    Task<(QemuCapabilities? Capabilities, string? Problem)> ProbeQemuAsync(CancellationToken ct);

    /// <summary>The paths of a VM's state dir (pure: nothing is read).</summary>
    VmStatePaths StatePaths(Guid uid);

    /// <summary>The uids of every state dir on this node (a QEMU may or may not run for each).</summary>
    IReadOnlyList<Guid> StateDirectories();

    bool HasStateDirectory(Guid uid);

    /// <summary>The pid of the QEMU of <paramref name="uid"/> when one runs (pid file and lock agree), else null.</summary>
    int? RunningPid(Guid uid);

    /// <summary>Host pre-flight and the launch's argv; nothing is started or created.</summary>
    /// <exception cref="LaunchRefusedException">Bad boot files, or a host that cannot run the VM now.</exception>
    IPreparedLaunch Prepare(VmLaunchRequest request);

    /// <summary>Starts, pins and resumes the QEMU of a prepared launch.</summary>
    /// <exception cref="VmStartFailedException">QEMU did not start; whatever it left (process, state dir) is gone.</exception>
    Task<IVmProcess> StartAsync(IPreparedLaunch launch, CancellationToken ct);

    /// <summary>Takes over the running QEMU of <paramref name="uid"/> (QMP connected, lock held) without restarting it.</summary>
    /// <exception cref="VmAdoptFailedException">It could not be taken over (its state dir is left as it was).</exception>
    Task<IVmProcess> AdoptAsync(Guid uid, CancellationToken ct);

    /// <summary>The process runs and is still the QEMU of its VM (the pid was not reused).</summary>
    bool IsAlive(IVmProcess process);

    /// <summary>
    /// Why a process found dead exited: <see cref="Api.Status.ExitReasons.GuestShutdown"/> when QEMU reported the
    /// guest's own poweroff (QMP SHUTDOWN, reason guest-shutdown) before it went, else <see cref="Api.Status.ExitReasons.Crashed"/>.
    /// </summary>
    Task<string> ExitReasonAsync(IVmProcess process, CancellationToken ct);

    /// <summary>Where the threads of an adopted QEMU run that they should not by <paramref name="plan"/> (empty: as planned).</summary>
    IReadOnlyList<string> VerifyPinning(IVmProcess process, PinningPlan plan);

    /// <summary>Masks every thread of a running QEMU by <paramref name="plan"/> (the host's CPU pools changed); returns where it did not hold.</summary>
    IReadOnlyList<string> Repin(IVmProcess process, PinningPlan plan);

    /// <summary>
    /// Keeps the agent's own threads, and so whatever it starts from now on (QEMU before pinning, qemu-img, probes),
    /// off <paramref name="dedicated"/>: the agent runs where it was allowed to at start minus those CPUs. Returns
    /// where that did not hold.
    /// </summary>
    IReadOnlyList<string> ConfineAgent(CpuSet dedicated);

    /// <summary>Reads where the guest RAM of the process is (numa_maps) and judges it against the placement.</summary>
    Task<VmSample> SampleAsync(IVmProcess process, VmPlacement placement, CancellationToken ct);

    /// <summary>ACPI powerdown, then quit, then SIGKILL; the state dir is removed.</summary>
    Task StopAsync(IVmProcess process, CancellationToken ct);

    /// <summary>Stops whatever runs for a state dir no VM owns any more (no object, so no handle).</summary>
    Task<OrphanStop> StopOrphanAsync(Guid uid, CancellationToken ct);

    /// <summary>Lets go of the process (QMP closed, lock released) without stopping it: VMs survive the agent.</summary>
    ValueTask ReleaseAsync(IVmProcess process);

    /// <summary>The last lines of the VM's serial log, as evidence for a message ("; last serial output: ...").</summary>
    string SerialTail(Guid uid);

    /// <summary>Removes the VM's state dir (nothing runs for it any more).</summary>
    void ClearStateDirectory(Guid uid);

    /// <summary>Removes network devices this agent created for VMs that have no state dir any more (agent start).</summary>
    void RemoveOrphanNetworkDevices()
    {
    }
    /// <summary>The uids of every disk dir on this node (STATE/disks/UID: root overlay, data disks, seed).</summary>
    IReadOnlyList<Guid> DiskDirectories();

    /// <summary>Removes the VM's disk dir: only when the VM is deleted (or no longer this node's), never on stop.</summary>
    void RemoveDisks(Guid uid);
}

/// <summary>A running QEMU the runtime started or adopted.</summary>
public interface IVmProcess
{
    Guid Uid { get; }

    int Pid { get; }

    /// <summary>How its vCPUs run, when this agent started it; an adopted QEMU is described by its placement.</summary>
    QemuCpu? Cpu { get; }

    /// <summary>How long each launch step took, when this agent started it.</summary>
    LaunchTimings? Timings { get; }

    /// <summary>The NICs it was started with (status.interfaces); empty when adopted or without network.</summary>
    IReadOnlyList<VmNic> Nics => [];
}

/// <summary>A launch that passed pre-flight, to be started by the runtime that prepared it.</summary>
public interface IPreparedLaunch
{
    Guid Uid { get; }
}

/// <summary>What a launch is prepared from: everything but the boot files (spec.boot) comes from status.placement.</summary>
public sealed record VmLaunchRequest(string Name, Guid Uid, VmPlacement Placement, BootFiles? Boot, HostTopology Host, QemuCapabilities? Qemu, string? QemuProblem)
{
    /// <summary>Where the new QEMU's threads go, given the VMs already running (null: as if it were alone on the host).</summary>
    public PinningPlan? Pinning { get; init; }

    /// <summary>spec.interfaces, MACs chosen (<see cref="Launch.SpecInterfaces"/>).</summary>
    public IReadOnlyList<NicRequest> Interfaces { get; init; } = [];
    /// <summary>The VM's namespace, data disks and cloud-init seed; null: the boot disk is attached as is (no overlay).</summary>
    public VmDiskRequest? Disks { get; init; }

    /// <summary>The target of a live migration: prepared for STATE/incoming/UID, started paused with -incoming defer.</summary>
    public bool Incoming { get; init; }
}

/// <summary>What happened to an orphan's QEMU.</summary>
public enum OrphanStopKind
{
    /// <summary>No QEMU ran for the state dir.</summary>
    NothingRan,

    Stopped,

    /// <summary>QMP failed, so the process was killed.</summary>
    Killed,

    /// <summary>Another supervisor holds its lock: left alone, state dir kept.</summary>
    HeldElsewhere,
}

public sealed record OrphanStop(OrphanStopKind Kind, int? Pid, string? Problem = null);
