using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Qmp;

namespace NumaOperator.Qemu.Supervision;

/// <summary>A QEMU process this supervisor owns: its pid, QMP connection, vCPU threads and the state-dir lock.</summary>
public sealed class RunningVm : IAsyncDisposable
{
    internal RunningVm(int pid, Guid uuid, VmStatePaths state, QmpClient qmp, VmLock vmLock, IReadOnlyDictionary<int, int> vcpuThreads, LaunchTimings? timings)
    {
        Pid = pid;
        Uuid = uuid;
        State = state;
        Qmp = qmp;
        Lock = vmLock;
        VcpuThreads = vcpuThreads;
        Timings = timings;
    }

    public int Pid { get; }

    public Guid Uuid { get; }

    public VmStatePaths State { get; }

    public QmpClient Qmp { get; }

    /// <summary>Guest vCPU index → host thread id (query-cpus-fast).</summary>
    public IReadOnlyDictionary<int, int> VcpuThreads { get; }

    /// <summary>Set for VMs this supervisor started; null for adopted ones.</summary>
    public LaunchTimings? Timings { get; }

    internal VmLock Lock { get; }

    /// <summary>Lets go of the VM without stopping it (QMP closed, lock released), as an agent does when it exits.</summary>
    public async ValueTask DisposeAsync()
    {
        await Qmp.DisposeAsync();
        Lock.Dispose();
    }
}
