using NumaOperator.Numa.Quantities;

namespace NumaOperator.Qemu.Host;

/// <summary>The kernel's per-thread CPU affinity, as the pinning code needs it (a fake in tests).</summary>
public interface IThreadAffinity
{
    /// <summary>Thread ids of process <paramref name="pid"/> (/proc/PID/task); empty when it is gone.</summary>
    IReadOnlyList<int> Threads(int pid);

    /// <summary>sched_setaffinity of one thread.</summary>
    /// <exception cref="IOException">The kernel refused (the message names the thread and why).</exception>
    void Set(int tid, CpuSet cpus);

    /// <summary>Cpus_allowed_list of one thread.</summary>
    /// <exception cref="IOException">The thread is gone.</exception>
    CpuSet Allowed(int pid, int tid);
}

/// <summary>The real one: /proc and sched_setaffinity(2).</summary>
public sealed class KernelThreadAffinity : IThreadAffinity
{
    public static KernelThreadAffinity Instance { get; } = new();

    public IReadOnlyList<int> Threads(int pid) => ProcFs.ThreadIds(pid);

    public void Set(int tid, CpuSet cpus) => LibC.SetAffinity(tid, cpus);

    public CpuSet Allowed(int pid, int tid) => ProcFs.AllowedCpus(pid, tid);
}
