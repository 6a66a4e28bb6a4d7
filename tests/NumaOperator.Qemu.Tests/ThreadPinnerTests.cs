using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Supervision;

namespace NumaOperator.Qemu.Tests;

/// <summary>The thread masking against a fake kernel: every thread, vCPUs by plan, threads that come and go.</summary>
public sealed class ThreadPinnerTests
{
    private const int Pid = 100;

    private static readonly PinningPlan Plan = new(new Dictionary<int, CpuSet> { [0] = CpuSet.Of(3) }, CpuSet.Parse("0-1"));

    [Fact]
    public void Every_thread_gets_its_mask_vcpu_threads_their_cpu_and_the_rest_the_emulator_cpus()
    {
        var kernel = new FakeKernel(100, 101, 102);
        Assert.Empty(new ThreadPinner(kernel).Apply(Pid, new Dictionary<int, int> { [0] = 102 }, Plan));
        Assert.Equal(CpuSet.Parse("0-1"), kernel.Masks[100]);
        Assert.Equal(CpuSet.Parse("0-1"), kernel.Masks[101]);
        Assert.Equal(CpuSet.Of(3), kernel.Masks[102]);
    }

    [Fact]
    public void A_thread_created_during_the_first_pass_is_masked_by_the_second()
    {
        var kernel = new FakeKernel(100, 101) { OnFirstSet = k => k.Add(105) };
        Assert.Empty(new ThreadPinner(kernel).Apply(Pid, new Dictionary<int, int>(), Plan));
        Assert.Equal(CpuSet.Parse("0-1"), kernel.Masks[105]);
    }

    [Fact]
    public void A_thread_that_ended_meanwhile_is_no_error_but_a_refused_mask_is()
    {
        var gone = new FakeKernel(100, 101) { Refuse = 101, EndsWhenRefused = true };
        Assert.Empty(new ThreadPinner(gone).Apply(Pid, new Dictionary<int, int>(), Plan));

        var refused = new FakeKernel(100, 101) { Refuse = 101 };
        var e = Assert.Throws<IOException>(() => new ThreadPinner(refused).Apply(Pid, new Dictionary<int, int>(), Plan));
        Assert.Contains("thread 101", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_names_each_thread_that_may_run_elsewhere()
    {
        var kernel = new FakeKernel(100, 101);
        kernel.Masks[100] = CpuSet.Parse("0-1");
        kernel.Masks[101] = CpuSet.Parse("0-3");
        var problem = Assert.Single(new ThreadPinner(kernel).Verify(Pid, new Dictionary<int, int> { [0] = 101 }, Plan));
        Assert.Equal("vCPU 0 thread 101 of pid 100 may run on CPUs 0-3, expected 3", problem);
    }

    [Fact]
    public void Confine_masks_every_thread_of_the_process_to_the_set()
    {
        var kernel = new FakeKernel(100, 101, 102);
        Assert.Empty(new ThreadPinner(kernel).Confine(Pid, CpuSet.Of(0)));
        Assert.All(kernel.Masks.Values, m => Assert.Equal(CpuSet.Of(0), m));
    }

    private sealed class FakeKernel(params int[] initial) : IThreadAffinity
    {
        private readonly List<int> threads = [.. initial];

        public Dictionary<int, CpuSet> Masks { get; } = initial.ToDictionary(t => t, _ => CpuSet.Parse("0-7"));

        public Action<FakeKernel>? OnFirstSet { get; set; }

        public int? Refuse { get; init; }

        public bool EndsWhenRefused { get; init; }

        public void Add(int tid)
        {
            threads.Add(tid);
            Masks[tid] = CpuSet.Parse("0-7");
        }

        public IReadOnlyList<int> Threads(int pid) => [.. threads.Order()];

        public void Set(int tid, CpuSet cpus)
        {
            if (OnFirstSet is { } first)
            {
                OnFirstSet = null;
                first(this);
            }

            if (tid == Refuse)
            {
                if (EndsWhenRefused)
                {
                    threads.Remove(tid);
                    Masks.Remove(tid);
                }

                throw new IOException($"sched_setaffinity of thread {tid}: Invalid argument");
            }

            Masks[tid] = cpus;
        }

        public CpuSet Allowed(int pid, int tid) => Masks.TryGetValue(tid, out var m) ? m : throw new IOException($"thread {tid} is gone");
    }
}
