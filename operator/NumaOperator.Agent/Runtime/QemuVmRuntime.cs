using Microsoft.Extensions.Logging;
using NumaOperator.Api.Status;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Disks;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Launching;
using NumaOperator.Qemu.Measurement;
using NumaOperator.Qemu.Networking;
using NumaOperator.Qemu.Preflight;
using NumaOperator.Qemu.Qmp;
using NumaOperator.Qemu.Supervision;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// The VM runtime of a real node: QEMU daemonized through the launch strategy and supervised by
/// <see cref="VmSupervisor"/>, one state dir per VM uid under STATE/vms (QMP socket, pid file, lock, serial log).
/// </summary>
public sealed partial class QemuVmRuntime : IVmRuntime
{
    private const int SerialTailLines = 5;

    private readonly AgentOptions options;
    private readonly ILogger log;
    private readonly VmSupervisor supervisor;
    private readonly VmNetworkDevices network;

    /// <summary>Where the agent process was allowed to run when it started (its cpuset or taskset); it never widens that.</summary>
    private readonly CpuSet agentCpus = ProcFs.AllowedCpus(Environment.ProcessId, Environment.ProcessId);

    public QemuVmRuntime(AgentOptions options, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        this.log = log;
        supervisor = new VmSupervisor { PowerdownGrace = options.StopGrace };
        network = new VmNetworkDevices(new IpHostNetwork(options.NetworkNamespace), new SocketHostPorts(), log);
    }

    /// <summary>The cache answers from memory until the binary, /dev/kvm or the probe kernel changes (an upgrade shows up).</summary>
    public Task<(QemuCapabilities? Capabilities, string? Problem)> ProbeQemuAsync(CancellationToken ct) => PreflightHost.ProbeAsync(options.ProbeOptions, ct);

    /// <summary>STATE/vms: one directory per VM uid.</summary>
    public string VmsDirectory => VmStatePaths.VmsRoot(options.StateDirectory);

    public VmStatePaths StatePaths(Guid uid) => VmStatePaths.ForVm(options.StateDirectory, uid);

    public IReadOnlyList<Guid> StateDirectories() => VmStatePaths.UidsUnder(VmsDirectory);

    public bool HasStateDirectory(Guid uid) => Directory.Exists(StatePaths(uid).Directory);

    public int? RunningPid(Guid uid) => VmSupervisor.RunningPid(StatePaths(uid), uid);

    public IPreparedLaunch Prepare(VmLaunchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var imageRoot = new ImageRoot(options.ImageRoot);
        VmDiskPlan? disks;
        try
        {
            // Boot files first and on their own: a refusal there is the spec's fault (BadBootFile, not retried);
            // every other pre-flight refusal is the host's (retried).
            var resolved = LaunchPreflight.ResolveBoot(request.Boot, imageRoot);
            disks = PlanDisks(request, resolved, imageRoot);
        }
        catch (PreflightException e)
        {
            throw new LaunchRefusedException(LaunchRefusal.BadBootFile, e.Message, e);
        }

        try
        {
            var nics = network.Resolve(request.Uid, request.Interfaces);
            if (request.Incoming)
            {
                RefuseSameNodeTaps(request.Uid, nics);
            }

            var host = new PreflightHost(options.QemuPath, HugetlbfsMounts.Discover(), new HugepageCounters(), request.Qemu, request.QemuProblem);
            var prepared = LaunchPreparation.Prepare(
                request.Name, request.Uid, request.Placement, request.Boot, imageRoot, request.Incoming ? IncomingStatePaths(request.Uid) : StatePaths(request.Uid),
                host, options.QemuUser, request.Host, options.OmitBindingForTest ? BindingForTest.Omitted : BindingForTest.AsPlaced, nics, disks, request.Incoming);
            return new QemuLaunch(request.Uid, prepared, request.Pinning ?? PinningPlan.For(request.Placement, request.Host), disks);
        }
        catch (PreflightException e)
        {
            throw new LaunchRefusedException(e.IsHugepageShortage ? LaunchRefusal.InsufficientHugepages : LaunchRefusal.HostNotReady, e.Message, e);
        }
    }

    public Task<IVmProcess> StartAsync(IPreparedLaunch launch, CancellationToken ct) => LaunchAsync(launch, paused: false, ct);

    /// <summary>Disks, taps, QEMU (daemonized, pinned) and, unless <paramref name="paused"/>, cont; on a failure whatever it left is gone.</summary>
    private async Task<IVmProcess> LaunchAsync(IPreparedLaunch launch, bool paused, CancellationToken ct)
    {
        var (uid, prepared, pinning, disks) = launch as QemuLaunch ?? throw new ArgumentException("not prepared by this runtime", nameof(launch));
        // QEMU opens its taps by name in its own network namespace: with one configured, it runs there.
        var qemuArgv = options.NetworkNamespace is { } netns ? ["ip", "netns", "exec", netns, .. prepared.QemuArgv] : prepared.QemuArgv;
        var argv = options.LaunchStrategy.Wrap(qemuArgv, prepared.Spec);
        var nics = prepared.Spec.Nics;
        var state = prepared.Spec.State;
        try
        {
            if (disks is not null)
            {
                foreach (var disk in VmDiskStore.Materialize(disks))
                {
                    log.LogInformation("VM {Name} disk {Role}: {Action} {Path} ({Bytes} bytes)", prepared.Spec.Name, disk.Role, disk.Action, disk.Path, disk.SizeBytes);
                }
            }

            // The state dir first: the orphan sweep removes only taps of VMs without one.
            Directory.CreateDirectory(state.Directory);
            network.CreateTaps(uid, nics);
            var running = paused
                ? await supervisor.StartPausedAsync(argv, prepared.Spec, pinning, ct)
                : await supervisor.StartAsync(argv, prepared.Spec, pinning, ct);
            network.PinVhostWorkers(running.Pid, pinning.EmulatorCpus, nics);
            return new QemuProcess(running, prepared.Facts.HugetlbfsMounts, prepared.Spec.Cpu) { Nics = nics };
        }
        catch (VmDiskException e)
        {
            throw new VmStartFailedException("disks: " + e.Message, e);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or QmpException or System.ComponentModel.Win32Exception)
        {
            var evidence = SerialTail(state);
            if (VmSupervisor.RunningPid(state, uid) is { } pid)
            {
                await VmSupervisor.KillAsync(pid);
            }

            Clear(uid, state);
            throw new VmStartFailedException("QEMU did not start: " + e.Message + evidence, e);
        }
    }

    public async Task<IVmProcess> AdoptAsync(Guid uid, CancellationToken ct)
    {
        try
        {
            return new QemuProcess(await VmSupervisor.AdoptAsync(StatePaths(uid), uid, ct), HugetlbfsMounts.Discover(), cpu: null);
        }
        catch (InvalidOperationException e)
        {
            throw new VmAdoptFailedException(e.Message, e);
        }
    }

    public bool IsAlive(IVmProcess process) =>
        ProcFs.IsAlive(process.Pid) && VmSupervisor.RunningPid(Held(process).Vm.State, process.Uid) == process.Pid;

    public async Task<string> ExitReasonAsync(IVmProcess process, CancellationToken ct)
    {
        var qmp = Held(process).Vm.Qmp;
        await qmp.DrainEventsAsync(TimeSpan.FromSeconds(2));
        return QmpClient.HasGuestShutdown(qmp.Events) ? ExitReasons.GuestShutdown : ExitReasons.Crashed;
    }

    public IReadOnlyList<string> VerifyPinning(IVmProcess process, PinningPlan plan) =>
        ThreadPinner.Kernel.Verify(process.Pid, Held(process).Vm.VcpuThreads, plan);

    public IReadOnlyList<string> Repin(IVmProcess process, PinningPlan plan)
    {
        try
        {
            return ThreadPinner.Kernel.Apply(process.Pid, Held(process).Vm.VcpuThreads, plan);
        }
        catch (IOException e)
        {
            return [e.Message];
        }
    }

    public IReadOnlyList<string> ConfineAgent(CpuSet dedicated)
    {
        ArgumentNullException.ThrowIfNull(dedicated);
        var allowed = agentCpus.Except(dedicated);
        try
        {
            return allowed.IsEmpty ? [$"every CPU the agent may use ({agentCpus}) is dedicated to a VM; the agent stays where it is"] : ThreadPinner.Kernel.Confine(Environment.ProcessId, allowed);
        }
        catch (IOException e)
        {
            return [e.Message];
        }
    }

    public async Task<VmSample> SampleAsync(IVmProcess process, VmPlacement placement, CancellationToken ct)
    {
        var held = Held(process);
        try
        {
            held.RamAddresses ??= await ProcessMeasurement.LocateAsync(held.Vm.Qmp, placement, ct);
            var (measurement, verdict) = await ProcessMeasurement.MeasureAsync(held.Pid, placement, held.Mounts, held.RamAddresses, ct);
            return new VmSample.Measured(measurement, verdict);
        }
        catch (IOException e)
        {
            return new VmSample.Unreadable(e.Message);
        }
        catch (QmpException e)
        {
            return new VmSample.RamNotLocated(e.Message);
        }
    }

    public async Task StopAsync(IVmProcess process, CancellationToken ct)
    {
        var held = Held(process);
        try
        {
            await supervisor.StopAsync(held.Vm, ct);
        }
        catch (DirectoryNotFoundException)
        {
            // the state dir was already gone
        }

        ClearStateDirectory(process.Uid);
    }

    public async Task<OrphanStop> StopOrphanAsync(Guid uid, CancellationToken ct)
    {
        if (RunningPid(uid) is not { } pid)
        {
            return new OrphanStop(OrphanStopKind.NothingRan, null);
        }

        try
        {
            var vm = await VmSupervisor.AdoptAsync(StatePaths(uid), uid, ct);
            await supervisor.StopAsync(vm, ct);
            return new OrphanStop(OrphanStopKind.Stopped, pid);
        }
        catch (VmLockedException e)
        {
            return new OrphanStop(OrphanStopKind.HeldElsewhere, pid, e.Message);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or QmpException)
        {
            await VmSupervisor.KillAsync(pid);
            return new OrphanStop(OrphanStopKind.Killed, pid, e.Message);
        }
    }

    public ValueTask ReleaseAsync(IVmProcess process) => Held(process).Vm.DisposeAsync();

    public string SerialTail(Guid uid) => SerialTail(StatePaths(uid));

    private static string SerialTail(VmStatePaths state)
    {
        try
        {
            var lines = File.ReadAllLines(state.SerialLog).Where(l => l.Trim().Length > 0).TakeLast(SerialTailLines).ToArray();
            var text = string.Join(" | ", lines.Select(l => l.Trim()));
            return text.Length == 0 ? "; serial log empty" : "; last serial output: " + (text.Length > 400 ? text[^400..] : text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    public void ClearStateDirectory(Guid uid) => Clear(uid, StatePaths(uid));

    /// <summary>Removes the taps of <paramref name="uid"/> on this node and <paramref name="state"/>'s directory.</summary>
    private void Clear(Guid uid, VmStatePaths state)
    {
        network.RemoveTaps(uid);
        try
        {
            if (Directory.Exists(state.Directory))
            {
                Directory.Delete(state.Directory, recursive: true);
            }
        }
        catch (IOException e)
        {
            log.LogWarning("could not remove state dir {Dir}: {Message}", state.Directory, e.Message);
        }
    }

    public void RemoveOrphanNetworkDevices() => network.RemoveOrphans(uid => HasStateDirectory(uid) || HasIncomingDirectory(uid));

    public VmDiskPaths DiskPaths(Guid uid) => new(Path.Combine(options.DisksDirectory, uid.ToString("D")));

    public IReadOnlyList<Guid> DiskDirectories() => !Directory.Exists(options.DisksDirectory)
        ? []
        : [.. Directory.EnumerateDirectories(options.DisksDirectory).Select(d => Guid.TryParse(Path.GetFileName(d), out var uid) ? uid : Guid.Empty).Where(u => u != Guid.Empty)];

    public void RemoveDisks(Guid uid)
    {
        var paths = DiskPaths(uid);
        try
        {
            VmDiskStore.Remove(paths);
            log.LogInformation("removed disk dir {Dir}", paths.Directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogWarning("could not remove disk dir {Dir}: {Message}", paths.Directory, e.Message);
        }
    }

    /// <summary>
    /// The VM's disks when the agent asked for them: boot files checked against the namespace's image access, the
    /// base image's size read for the overlay. A refusal is the spec's (bad input).
    /// </summary>
    private VmDiskPlan? PlanDisks(VmLaunchRequest request, ResolvedBoot resolved, ImageRoot imageRoot)
    {
        if (request.Disks is not { } wanted)
        {
            return null;
        }

        try
        {
            options.ImageAccess.CheckBoot(request.Boot, resolved, wanted.Namespace, imageRoot);
            var baseSize = resolved.DiskPath is null ? 0 : VmDiskStore.BaseSize(resolved.DiskPath, resolved.DiskFormat ?? "raw");
            return VmDiskPlan.For(resolved, wanted, request.Uid, request.Name, DiskPaths(request.Uid), baseSize);
        }
        catch (BootFileException e)
        {
            throw new PreflightException(e.Message, isBadInput: true);
        }
        catch (VmDiskException e)
        {
            throw new PreflightException("spec.boot.disk.image: " + e.Message, isBadInput: true);
        }
    }

    private static QemuProcess Held(IVmProcess process) =>
        process as QemuProcess ?? throw new ArgumentException("not a process of this runtime", nameof(process));

    private sealed record QemuLaunch(Guid Uid, PreparedLaunch Prepared, PinningPlan Pinning, VmDiskPlan? Disks) : IPreparedLaunch;

    /// <summary>A QEMU under <see cref="VmSupervisor"/>, with what its sampling needs.</summary>
    private sealed class QemuProcess(RunningVm vm, IReadOnlyList<HugetlbfsMount> mounts, QemuCpu? cpu) : IVmProcess
    {
        public RunningVm Vm { get; } = vm;

        public IReadOnlyList<HugetlbfsMount> Mounts { get; } = mounts;

        /// <summary>Where QEMU mapped each memory backend (asked once per process over QMP; QEMU never moves guest RAM).</summary>
        public GuestRamAddresses? RamAddresses { get; set; }

        public Guid Uid => Vm.Uuid;

        public int Pid => Vm.Pid;

        public QemuCpu? Cpu { get; } = cpu;

        public LaunchTimings? Timings => Vm.Timings;

        public IReadOnlyList<VmNic> Nics { get; init; } = [];
    }
}
