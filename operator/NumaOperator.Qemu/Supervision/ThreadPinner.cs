using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.Host;

namespace NumaOperator.Qemu.Supervision;

/// <summary>
/// Puts every thread of a process where a <see cref="PinningPlan"/> (or a plain CPU set) says, and reads it back. A
/// new thread inherits the mask of the thread that creates it, so the threads are masked in tid order (the main
/// thread, which creates QEMU's workers, first) and a thread that appeared meanwhile is caught by a second pass.
/// </summary>
public sealed class ThreadPinner(IThreadAffinity affinity)
{
    public static ThreadPinner Kernel { get; } = new(KernelThreadAffinity.Instance);

    /// <summary>Masks every thread of <paramref name="pid"/>: vCPU threads to their CPUs, the others to the emulator CPUs.</summary>
    /// <returns>Threads whose mask did not hold (empty when it did).</returns>
    /// <exception cref="IOException">The kernel refused a mask for a thread that still exists.</exception>
    public IReadOnlyList<string> Apply(int pid, IReadOnlyDictionary<int, int> vcpuThreads, PinningPlan plan)
    {
        ArgumentNullException.ThrowIfNull(vcpuThreads);
        ArgumentNullException.ThrowIfNull(plan);
        var vcpuByThread = vcpuThreads.ToDictionary(kv => kv.Value, kv => kv.Key);
        CpuSet Expected(int tid) => vcpuByThread.TryGetValue(tid, out var vcpu) ? plan.VcpuCpus[vcpu] : plan.EmulatorCpus;
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var tid in affinity.Threads(pid))
            {
                SetUnlessGone(pid, tid, Expected(tid));
            }

            var problems = Verify(pid, vcpuThreads, plan);
            if (problems.Count == 0 || pass == 1)
            {
                return problems;
            }
        }

        return [];
    }

    /// <summary>Masks every thread of <paramref name="pid"/> to <paramref name="cpus"/> (the agent's own process).</summary>
    /// <returns>Threads whose mask did not hold.</returns>
    public IReadOnlyList<string> Confine(int pid, CpuSet cpus)
    {
        ArgumentNullException.ThrowIfNull(cpus);
        return Apply(pid, new Dictionary<int, int>(), new PinningPlan(new Dictionary<int, CpuSet>(), cpus));
    }

    /// <summary>Reads back every thread's Cpus_allowed_list; returns the mismatches (empty when the plan holds).</summary>
    public IReadOnlyList<string> Verify(int pid, IReadOnlyDictionary<int, int> vcpuThreads, PinningPlan plan)
    {
        ArgumentNullException.ThrowIfNull(vcpuThreads);
        ArgumentNullException.ThrowIfNull(plan);
        var problems = new List<string>();
        var vcpuByThread = vcpuThreads.ToDictionary(kv => kv.Value, kv => kv.Key);
        foreach (var tid in affinity.Threads(pid))
        {
            CpuSet actual;
            try
            {
                actual = affinity.Allowed(pid, tid);
            }
            catch (IOException)
            {
                continue; // the thread ended between listing and reading
            }

            var isVcpu = vcpuByThread.TryGetValue(tid, out var vcpu);
            var expected = isVcpu ? plan.VcpuCpus[vcpu] : plan.EmulatorCpus;
            if (!actual.Equals(expected))
            {
                var what = isVcpu ? $"vCPU {vcpu} thread {tid}" : $"thread {tid}";
                problems.Add($"{what} of pid {pid} may run on CPUs {actual}, expected {expected}");
            }
        }

        return problems;
    }

    private void SetUnlessGone(int pid, int tid, CpuSet cpus)
    {
        try
        {
            affinity.Set(tid, cpus);
        }
        catch (IOException) when (!affinity.Threads(pid).Contains(tid))
        {
            // a short-lived worker thread ended meanwhile
        }
    }
}
