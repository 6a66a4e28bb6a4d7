using NumaOperator.Agent.Runtime;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Migration;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// The fake's live-migration half: an incoming "QEMU" per uid beside the VM's own (its own pid and STATE/incoming/UID),
/// a migration stream per source the test ends with <see cref="EndStream"/> (completed: source postmigrate, target
/// paused; failed: source running, target gone), and what the agent asked for (migrations, cancels, resumes).
/// </summary>
internal sealed partial class FakeVmRuntime
{
    private readonly Dictionary<Guid, int> incomingAlive = [];
    private readonly HashSet<Guid> incomingDirs = [];
    private readonly Dictionary<int, string> runStates = [];
    private readonly Dictionary<int, MigrationInfo> streams = [];
    private readonly List<(Guid Uid, string Address, MigrationSettings Settings)> migrations = [];
    private readonly List<Guid> cancels = [];
    private readonly List<int> resumes = [];
    private readonly HashSet<Guid> misplacedIncoming = [];

    /// <summary>The port every incoming QEMU listens on.</summary>
    public const int IncomingPort = 49152;

    /// <summary>While set, every incoming start fails with this message.</summary>
    public string? IncomingStartProblem { get; set; }

    public IReadOnlyList<(Guid Uid, string Address, MigrationSettings Settings)> Migrations
    {
        get
        {
            lock (gate)
            {
                return [.. migrations];
            }
        }
    }

    public IReadOnlyList<Guid> Cancels
    {
        get
        {
            lock (gate)
            {
                return [.. cancels];
            }
        }
    }

    public IReadOnlyList<int> Resumes
    {
        get
        {
            lock (gate)
            {
                return [.. resumes];
            }
        }
    }

    /// <summary>The pid of <paramref name="uid"/>'s incoming QEMU while one lives.</summary>
    public int? IncomingPid(Guid uid)
    {
        lock (gate)
        {
            return incomingDirs.Contains(uid) && incomingAlive.TryGetValue(uid, out var pid) ? pid : null;
        }
    }

    /// <summary>The run state of the QEMU with <paramref name="pid"/> (running unless a migration paused it).</summary>
    public string RunState(int pid)
    {
        lock (gate)
        {
            return runStates.GetValueOrDefault(pid, VmRunState.Running);
        }
    }

    /// <summary>The incoming QEMU of <paramref name="uid"/> will measure its RAM on another host node than placed.</summary>
    public void MisplaceIncoming(Guid uid)
    {
        lock (gate)
        {
            misplacedIncoming.Add(uid);
        }
    }

    /// <summary>An incoming dir (with a paused QEMU in it when <paramref name="running"/>) as a previous agent left it.</summary>
    public int LeaveIncoming(Guid uid, bool running = true)
    {
        lock (gate)
        {
            incomingDirs.Add(uid);
            if (running)
            {
                incomingAlive[uid] = ++nextPid;
                runStates[nextPid] = VmRunState.Paused;
            }

            return nextPid;
        }
    }

    /// <summary>
    /// The stream of <paramref name="uid"/>'s migration ends: completed (the source waits in postmigrate, the target
    /// is paused with the VM's state), or failed with <paramref name="error"/> (the source runs on, the target exits).
    /// </summary>
    public void EndStream(Guid uid, string? error = null)
    {
        lock (gate)
        {
            // Either side may live in this fake (a same-node move has both; a cross-node move one per fake node).
            if (alive.TryGetValue(uid, out var source))
            {
                streams[source] = new MigrationInfo(error is null ? MigrationStatuses.Completed : MigrationStatuses.Failed)
                {
                    ErrorDescription = error, RamTotal = 100, RamTransferred = 100, RamRemaining = 0, DowntimeMilliseconds = 42,
                };
                runStates[source] = error is null ? VmRunState.PostMigrate : VmRunState.Running;
            }

            if (incomingAlive.TryGetValue(uid, out var target))
            {
                if (error is null)
                {
                    streams[target] = new MigrationInfo(MigrationStatuses.Completed);
                    runStates[target] = VmRunState.Paused;
                }
                else
                {
                    incomingAlive.Remove(uid);
                }
            }
        }
    }

    public VmStatePaths IncomingStatePaths(Guid uid) => VmStatePaths.ForIncoming("/fake", uid);

    public IReadOnlyList<Guid> IncomingDirectories()
    {
        lock (gate)
        {
            return [.. incomingDirs];
        }
    }

    public bool HasIncomingDirectory(Guid uid)
    {
        lock (gate)
        {
            return incomingDirs.Contains(uid);
        }
    }

    public Task<IncomingVm> StartIncomingAsync(IPreparedLaunch launch, CancellationToken ct)
    {
        lock (gate)
        {
            if (IncomingStartProblem is { } problem)
            {
                throw new VmStartFailedException("QEMU did not start: " + problem);
            }

            incomingDirs.Add(launch.Uid);
            diskDirs.Add(launch.Uid);
            incomingAlive[launch.Uid] = ++nextPid;
            runStates[nextPid] = VmRunState.InMigrate;
            streams[nextPid] = new MigrationInfo(MigrationStatuses.Setup);
            return Task.FromResult(new IncomingVm(new Process(launch.Uid, nextPid, null) { Incoming = true, Nics = ((Launch)launch).Nics }, IncomingPort));
        }
    }

    public Task<MigrationInfo> QueryMigrationAsync(IVmProcess process, CancellationToken ct)
    {
        lock (gate)
        {
            return Task.FromResult(streams.GetValueOrDefault(process.Pid, new MigrationInfo(MigrationStatuses.None)));
        }
    }

    public Task StartMigrationAsync(IVmProcess source, string targetAddress, MigrationSettings settings, CancellationToken ct)
    {
        lock (gate)
        {
            migrations.Add((source.Uid, targetAddress, settings));
            streams[source.Pid] = new MigrationInfo(MigrationStatuses.Active) { RamTotal = 100, RamTransferred = 10, RamRemaining = 90, DirtySyncCount = 1, TotalTimeMilliseconds = 5 };
            return Task.CompletedTask;
        }
    }

    /// <summary>Moves an active stream's counters on, as QEMU's would between two polls.</summary>
    public void Progress(Guid uid, long transferred)
    {
        lock (gate)
        {
            var pid = alive[uid];
            streams[pid] = streams[pid] with { RamTransferred = transferred, RamRemaining = 100 - transferred };
        }
    }

    public Task CancelMigrationAsync(IVmProcess process, CancellationToken ct)
    {
        lock (gate)
        {
            cancels.Add(process.Uid);
            streams[process.Pid] = new MigrationInfo(MigrationStatuses.Cancelled);
            return Task.CompletedTask;
        }
    }

    public Task<string> RunStateAsync(IVmProcess process, CancellationToken ct) => Task.FromResult(RunState(process.Pid));

    public Task ResumeAsync(IVmProcess process, CancellationToken ct)
    {
        lock (gate)
        {
            resumes.Add(process.Pid);
            runStates[process.Pid] = VmRunState.Running;
            return Task.CompletedTask;
        }
    }

    public Task StopPausedAsync(IVmProcess process, CancellationToken ct)
    {
        lock (gate)
        {
            if (((Process)process).Incoming)
            {
                incomingAlive.Remove(process.Uid);
                incomingDirs.Remove(process.Uid);
            }
            else
            {
                alive.Remove(process.Uid);
                stateDirs.Remove(process.Uid);
            }

            return Task.CompletedTask;
        }
    }

    public Task<OrphanStop> StopIncomingOrphanAsync(Guid uid, CancellationToken ct)
    {
        lock (gate)
        {
            var pid = incomingAlive.TryGetValue(uid, out var p) ? p : (int?)null;
            incomingAlive.Remove(uid);
            incomingDirs.Remove(uid);
            return Task.FromResult(new OrphanStop(pid is null ? OrphanStopKind.NothingRan : OrphanStopKind.Stopped, pid));
        }
    }

    public Task HandOverAsync(Guid uid, IVmProcess? incoming, CancellationToken ct)
    {
        lock (gate)
        {
            if (stateDirs.Contains(uid))
            {
                throw new IOException($"cannot hand over /fake/incoming/{uid}: /fake/vms/{uid} still exists");
            }

            incomingDirs.Remove(uid);
            stateDirs.Add(uid);
            if (incomingAlive.Remove(uid, out var pid))
            {
                alive[uid] = pid;
            }

            return Task.CompletedTask;
        }
    }

    private VmSample? MisplacedSample(IVmProcess process, Numa.Placement.VmPlacement placement)
    {
        lock (gate)
        {
            return ((Process)process).Incoming && misplacedIncoming.Contains(process.Uid)
                ? PlacedNumaMaps.Sample(placement, residentOn: placement.GuestNodes[0].HostNode + 1)
                : null;
        }
    }
}
