using NumaOperator.Agent.Runtime;
using NumaOperator.Api.Status;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Networking;
using NumaOperator.Qemu.Disks;
using NumaOperator.Qemu.Supervision;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// A VM runtime in memory, for the agent's lifecycle without QEMU: a "process" is a fake pid per VM uid that lives
/// until stopped or killed, a "state dir" a uid in a set (it outlives the agent, as on a real node). Pre-flight
/// refuses boot files not in <see cref="BootFiles"/> (BadBootFile) and every launch while <see cref="HostProblem"/>
/// is set (HostNotReady); numa_maps samples are built from the placement, bound as placed, and measured by the real
/// measurer. Thread-safe: the agent reconciles on several workers while the test reads and kills.
/// </summary>
internal sealed partial class FakeVmRuntime : IVmRuntime
{
    private readonly object gate = new();
    private readonly Dictionary<Guid, int> alive = [];
    private readonly HashSet<Guid> stateDirs = [];
    private readonly HashSet<Guid> diskDirs = [];
    private readonly Dictionary<Guid, VmDiskRequest?> diskRequests = [];
    private readonly Dictionary<Guid, int> starts = [];
    private readonly Dictionary<Guid, string> exitReasons = [];
    private readonly List<(int Pid, PinningPlan Plan)> repins = [];
    private readonly List<CpuSet> confinements = [];
    private readonly List<Guid> adoptions = [];
    private int nextPid = 70000;

    /// <summary>What the capability probe reports: emulation with its host-model CPU, as on a host without /dev/kvm.</summary>
    public static QemuCapabilities EmulationOnly { get; } = new(
        "/usr/bin/qemu-system-x86_64",
        new Version(7, 2, 22),
        [
            AcceleratorCapability.Unusable(Accelerator.Kvm, "/dev/kvm does not exist"),
            new(Accelerator.Emulation, true, null, new Dictionary<string, string> { ["host-model"] = "max", ["qemu64"] = "qemu64" }),
        ]);

    /// <summary>Boot files the image root holds (spec.boot.kernel must be one of them).</summary>
    public ISet<string> BootFiles { get; } = new HashSet<string>(StringComparer.Ordinal) { "vmlinuz" };

    /// <summary>While set, every launch is refused as the host's fault with this message.</summary>
    public string? HostProblem { get; set; }

    /// <summary>While set, every start fails after pre-flight with this message (QEMU exited during start).</summary>
    public string? StartProblem { get; set; }

    /// <summary>uid → pid of every fake QEMU alive now, whoever started it.</summary>
    public IReadOnlyDictionary<Guid, int> Alive
    {
        get
        {
            lock (gate)
            {
                return new Dictionary<Guid, int>(alive);
            }
        }
    }

    /// <summary>How many times a QEMU of <paramref name="uid"/> was started (adoption is not a start).</summary>
    public int Starts(Guid uid)
    {
        lock (gate)
        {
            return starts.GetValueOrDefault(uid);
        }
    }

    public bool HasStateDirectory(Guid uid)
    {
        lock (gate)
        {
            return stateDirs.Contains(uid);
        }
    }

    /// <summary>A QEMU that dies by itself (SIGKILL, guest crash): its state dir stays behind.</summary>
    public void Kill(Guid uid) => Exit(uid, ExitReasons.Crashed);

    /// <summary>The guest powers off: QEMU reports SHUTDOWN (guest-shutdown) and exits; its state dir stays behind.</summary>
    public void PowerOff(Guid uid) => Exit(uid, ExitReasons.GuestShutdown);

    /// <summary>A QEMU running with its state dir, as a previous agent left it (to be adopted).</summary>
    public int LeaveRunning(Guid uid)
    {
        lock (gate)
        {
            stateDirs.Add(uid);
            alive[uid] = ++nextPid;
            return nextPid;
        }
    }

    /// <summary>A state dir with nothing running for it.</summary>
    public void LeaveStateDirectory(Guid uid)
    {
        lock (gate)
        {
            stateDirs.Add(uid);
        }
    }

    public Task<(QemuCapabilities? Capabilities, string? Problem)> ProbeQemuAsync(CancellationToken ct) =>
        Task.FromResult<(QemuCapabilities?, string?)>((EmulationOnly, null));

    public VmStatePaths StatePaths(Guid uid) => new("/fake/vms/" + uid.ToString("D"));

    public IReadOnlyList<Guid> StateDirectories()
    {
        lock (gate)
        {
            return [.. stateDirs];
        }
    }

    public int? RunningPid(Guid uid)
    {
        lock (gate)
        {
            return stateDirs.Contains(uid) && alive.TryGetValue(uid, out var pid) ? pid : null;
        }
    }

    public IPreparedLaunch Prepare(VmLaunchRequest request)
    {
        if (request.Boot?.Kernel is { } kernel && !BootFiles.Contains(kernel))
        {
            throw new LaunchRefusedException(LaunchRefusal.BadBootFile, $"spec.boot.kernel \"{kernel}\": no such file in the image root");
        }

        if (HostProblem is { } problem)
        {
            throw new LaunchRefusedException(LaunchRefusal.HostNotReady, problem);
        }

        lock (gate)
        {
            diskRequests[request.Uid] = request.Disks;
        }

        return new Launch(request.Uid, FakeNics(request)) { Incoming = request.Incoming };
    }

    public Task<IVmProcess> StartAsync(IPreparedLaunch launch, CancellationToken ct)
    {
        lock (gate)
        {
            if (StartProblem is { } problem)
            {
                stateDirs.Remove(launch.Uid);
                throw new VmStartFailedException("QEMU did not start: " + problem);
            }

            stateDirs.Add(launch.Uid);
            diskDirs.Add(launch.Uid);
            alive[launch.Uid] = ++nextPid;
            starts[launch.Uid] = starts.GetValueOrDefault(launch.Uid) + 1;
            return Task.FromResult<IVmProcess>(new Process(launch.Uid, nextPid, new QemuCpu(Accelerator.Emulation, "host-model", "max")) { Nics = ((Launch)launch).Nics });
        }
    }

    public Task<IVmProcess> AdoptAsync(Guid uid, CancellationToken ct)
    {
        lock (gate)
        {
            if (RunningPid(uid) is not { } pid)
            {
                throw new VmAdoptFailedException($"no QEMU runs for {uid}");
            }

            adoptions.Add(uid);
            return Task.FromResult<IVmProcess>(new Process(uid, pid, null));
        }
    }

    public bool IsAlive(IVmProcess process) => ((Process)process).Incoming ? IncomingPid(process.Uid) == process.Pid : RunningPid(process.Uid) == process.Pid;

    public Task<string> ExitReasonAsync(IVmProcess process, CancellationToken ct)
    {
        lock (gate)
        {
            return Task.FromResult(exitReasons.GetValueOrDefault(process.Uid, ExitReasons.Crashed));
        }
    }

    public IReadOnlyList<string> VerifyPinning(IVmProcess process, PinningPlan plan) => [];

    /// <summary>Every mask the reconciler asked for, in order: pid and plan.</summary>
    public IReadOnlyList<(int Pid, PinningPlan Plan)> Repins
    {
        get
        {
            lock (gate)
            {
                return [.. repins];
            }
        }
    }

    /// <summary>The uids of every adopted QEMU, in adoption order.</summary>
    public IReadOnlyList<Guid> Adoptions
    {
        get
        {
            lock (gate)
            {
                return [.. adoptions];
            }
        }
    }

    /// <summary>Every dedicated set the agent was asked to leave, in order.</summary>
    public IReadOnlyList<CpuSet> AgentConfinements
    {
        get
        {
            lock (gate)
            {
                return [.. confinements];
            }
        }
    }

    public IReadOnlyList<string> Repin(IVmProcess process, PinningPlan plan)
    {
        lock (gate)
        {
            repins.Add((process.Pid, plan));
        }

        return [];
    }

    public IReadOnlyList<string> ConfineAgent(CpuSet dedicated)
    {
        lock (gate)
        {
            confinements.Add(dedicated);
        }

        return [];
    }

    public Task<VmSample> SampleAsync(IVmProcess process, VmPlacement placement, CancellationToken ct)
    {
        if (!IsAlive(process))
        {
            return Task.FromResult<VmSample>(new VmSample.Unreadable($"/proc/{process.Pid}/numa_maps: no such file"));
        }

        return Task.FromResult(MisplacedSample(process, placement) ?? PlacedNumaMaps.Sample(placement));
    }

    public Task StopAsync(IVmProcess process, CancellationToken ct)
    {
        if (((Process)process).Incoming)
        {
            return StopPausedAsync(process, ct);
        }

        lock (gate)
        {
            alive.Remove(process.Uid);
            stateDirs.Remove(process.Uid);
        }

        return Task.CompletedTask;
    }

    public Task<OrphanStop> StopOrphanAsync(Guid uid, CancellationToken ct)
    {
        lock (gate)
        {
            var pid = RunningPid(uid);
            alive.Remove(uid);
            return Task.FromResult(new OrphanStop(pid is null ? OrphanStopKind.NothingRan : OrphanStopKind.Stopped, pid));
        }
    }

    public ValueTask ReleaseAsync(IVmProcess process) => ValueTask.CompletedTask;

    public string SerialTail(Guid uid) => "; last serial output: fake console";

    public void ClearStateDirectory(Guid uid)
    {
        lock (gate)
        {
            stateDirs.Remove(uid);
        }
    }

    /// <summary>The NICs a real pre-flight would resolve on a host that has every bridge and picks ports from 40000 up.</summary>
    private static IReadOnlyList<VmNic> FakeNics(VmLaunchRequest request)
    {
        var port = 40000;
        return [.. request.Interfaces.Select(r => new VmNic(r.Name, r.MacAddress, r.Bridge is { } bridge
            ? new NicBackend.Tap(TapNames.For(request.Uid, r.Name), bridge, Vhost: false)
            : new NicBackend.UserNetwork([.. (r.Forwards ?? []).Select(f => new HostForward(f.Name, f.Protocol, f.GuestPort, f.HostAddress, f.HostPort ?? port++))])))];
    }

    private void Exit(Guid uid, string reason)
    {
        lock (gate)
        {
            alive.Remove(uid);
            exitReasons[uid] = reason;
        }
    }

    public IReadOnlyList<Guid> DiskDirectories()
    {
        lock (gate)
        {
            return [.. diskDirs];
        }
    }

    public void RemoveDisks(Guid uid)
    {
        lock (gate)
        {
            diskDirs.Remove(uid);
        }
    }

    /// <summary>The disks the last launch of <paramref name="uid"/> asked for (namespace, data disks, seed files).</summary>
    public VmDiskRequest? DiskRequest(Guid uid)
    {
        lock (gate)
        {
            return diskRequests.GetValueOrDefault(uid);
        }
    }

    /// <summary>Whether <paramref name="uid"/> has disks on this fake node (created at its first start, removed with the VM).</summary>
    public bool HasDisks(Guid uid)
    {
        lock (gate)
        {
            return diskDirs.Contains(uid);
        }
    }

    private sealed record Launch(Guid Uid, IReadOnlyList<VmNic> Nics) : IPreparedLaunch
    {
        public bool Incoming { get; init; }
    }

    private sealed record Process(Guid Uid, int Pid, QemuCpu? Cpu) : IVmProcess
    {
        /// <summary>Runs from STATE/incoming/UID.</summary>
        public bool Incoming { get; init; }

        public LaunchTimings? Timings => null;

        public IReadOnlyList<VmNic> Nics { get; init; } = [];
    }
}
