using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Qemu.Measurement;
using NumaOperator.Tests.Shared;
using Xunit.Abstractions;

namespace NumaOperator.Standalone.Tests;

/// <summary>
/// Issue 20's agent benchmark, run on demand (NUMAOP_AGENT_BENCH=1, under the host lock; never in CI): one
/// `numa-operator standalone` (API server + controller + agent in one process) with N firmware-only VMs of 16 MiB on
/// 2 MiB pages (TCG), created one at a time through the API. Prints apply→Running per VM (create call to the watch
/// seeing phase Running), then, with all N running, the process's CPU seconds per minute, RSS and status writes at the
/// default 15 s sampling, and how long reading numa_maps + maps takes for a small and a large VM.
/// </summary>
public sealed class AgentDensityBenchmark(ITestOutputHelper output)
{
    private const int SmallMi = 16;

    [SkippableFact]
    public async Task Agent_cost_with_a_hundred_firmware_only_vms_on_one_host()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("NUMAOP_AGENT_BENCH") == "1", "benchmark: set NUMAOP_AGENT_BENCH=1 (NUMAOP_AGENT_BENCH_VMS, default 100; NUMAOP_AGENT_BENCH_BIG_MI, default 2048)");
        Skip.IfNot(HostCapabilities.IsRoot && HostCapabilities.HasQemu, "needs root and qemu-system-x86_64");
        var count = int.TryParse(Environment.GetEnvironmentVariable("NUMAOP_AGENT_BENCH_VMS"), out var n) ? n : 100;
        var bigMi = int.TryParse(Environment.GetEnvironmentVariable("NUMAOP_AGENT_BENCH_BIG_MI"), out var b) ? b : 2048;
        var window = TimeSpan.FromSeconds(60);
        await using var run = new StandaloneRun("density-unused");
        var pages = (count * SmallMi / 2) + (bigMi / 2);
        using var standalone = new BackgroundCli("standalone", "--data-dir", run.DataDir, "--kubeconfig-out", run.Kubeconfig, "--reserve-hugepages", $"2Mi:{pages}", "--stop-vms-on-exit", "--stop-grace", "1s");
        await standalone.WaitForOutputAsync("agent ready", TimeSpan.FromMinutes(2));
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(run.Kubeconfig));
        using var stop = new CancellationTokenSource();
        var running = new ConcurrentDictionary<string, TaskCompletionSource<DateTime>>();
        var writes = 0;
        var watcher = WatchAsync(client, running, () => Interlocked.Increment(ref writes), stop.Token);

        // apply→Running, one VM at a time, as the agent's load grows from 0 to N.
        var latencies = new List<double>();
        for (var i = 0; i < count; i++)
        {
            latencies.Add(await CreateAndWaitRunningAsync(client, running, $"vm-{i:D3}", SmallMi));
        }

        output.WriteLine($"apply→Running, {count} firmware-only VMs created one at a time: p50 {Percentile(latencies, 50):F0} ms, p99 {Percentile(latencies, 99):F0} ms, max {latencies.Max():F0} ms; first 10 p50 {Percentile([.. latencies.Take(10)], 50):F0} ms, last 10 p50 {Percentile([.. latencies.TakeLast(10)], 50):F0} ms");

        // Settle (every VM sampled at least once), then one window at the defaults.
        await Task.Delay(TimeSpan.FromSeconds(20));
        var qemus = HostProcesses.QemuUnder(run.Directory);
        var (cpuBefore, qemuBefore, writesBefore) = (ProcessUsage.CpuSeconds(standalone.Pid), qemus.Sum(ProcessUsage.CpuSeconds), Volatile.Read(ref writes));
        await Task.Delay(window);
        var cpu = ProcessUsage.CpuSeconds(standalone.Pid) - cpuBefore;
        var qemuCpu = qemus.Sum(ProcessUsage.CpuSeconds) - qemuBefore;
        var windowWrites = Volatile.Read(ref writes) - writesBefore;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"with {qemus.Count} VMs running, over {window.TotalSeconds:0} s: standalone (agent + API server + controller) {cpu / window.TotalMinutes:F2} CPU s/min, RSS {Status(standalone.Pid, "VmRSS")}, peak {Status(standalone.Pid, "VmHWM")}; {windowWrites} VM writes seen by a watch ({windowWrites / window.TotalMinutes:F0}/min); the {qemus.Count} QEMUs (TCG, idle firmware) {qemuCpu / window.TotalMinutes:F1} CPU s/min"));

        output.WriteLine($"numa_maps + maps read and parsed, small VM ({SmallMi} MiB): {ReadTime(qemus[0])}");
        latencies.Add(await CreateAndWaitRunningAsync(client, running, "vm-big", bigMi));
        var big = HostProcesses.QemuUnder(run.Directory).Except(qemus).Single();
        output.WriteLine($"numa_maps + maps read and parsed, large VM ({bigMi} MiB of 2 MiB pages, preallocated): {ReadTime(big)}; one sampling round over all {qemus.Count + 1} VMs: {RoundTime([.. qemus, big])}");

        await stop.CancelAsync();
        await watcher;
        Assert.Equal(0, await standalone.InterruptAsync(TimeSpan.FromMinutes(3)));
    }

    private static async Task<double> CreateAndWaitRunningAsync(Kubernetes client, ConcurrentDictionary<string, TaskCompletionSource<DateTime>> running, string name, int mebibytes)
    {
        var seen = running.GetOrAdd(name, _ => new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously));
        var vm = new NumaVirtualMachine
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
            Spec = new NumaVirtualMachineSpec
            {
                Cpu = new CpuSpec { Cores = 1 },
                Memory = new MemorySpec { Size = $"{mebibytes}Mi", Hugepages = new HugepagesSpec { PageSize = "2Mi" } },
                Numa = new NumaSpec { Nodes = "0" },
            },
        };
        var started = DateTime.UtcNow;
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(vm, ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural);
        var at = await seen.Task.WaitAsync(TimeSpan.FromMinutes(3));
        return (at - started).TotalMilliseconds;
    }

    private static async Task WatchAsync(Kubernetes client, ConcurrentDictionary<string, TaskCompletionSource<DateTime>> running, Action written, CancellationToken ct)
    {
        try
        {
            var events = client.CustomObjects.WatchListClusterCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, timeoutSeconds: 3600, cancellationToken: ct);
            await foreach (var (type, raw) in events.WithCancellation(ct))
            {
                var vm = KubernetesJson.Deserialize<NumaVirtualMachine>(raw.ToString()!);
                if (type == WatchEventType.Modified)
                {
                    written();
                }

                if (vm.Status?.Phase == "Running")
                {
                    running.GetOrAdd(vm.Metadata.Name, _ => new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(DateTime.UtcNow);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Median and p99 of 20 reads of a QEMU's numa_maps and maps, parsed as the agent's sampler does.</summary>
    private static string ReadTime(int pid)
    {
        var times = Enumerable.Range(0, 20).Select(_ => Time(() => Parse(pid))).ToList();
        return string.Create(CultureInfo.InvariantCulture, $"median {Percentile(times, 50):F2} ms, p99 {Percentile(times, 99):F2} ms ({File.ReadAllText($"/proc/{pid}/numa_maps").Length / 1024.0:F1} KiB of numa_maps)");
    }

    private static string RoundTime(IReadOnlyList<int> pids)
    {
        var times = Enumerable.Range(0, 5).Select(_ => Time(() =>
        {
            foreach (var pid in pids)
            {
                Parse(pid);
            }
        })).ToList();
        return string.Create(CultureInfo.InvariantCulture, $"median {Percentile(times, 50):F1} ms");
    }

    private static void Parse(int pid)
    {
        NumaMapsParser.Parse(File.ReadAllText($"/proc/{pid}/numa_maps"));
        ProcMapsParser.Parse(File.ReadAllText($"/proc/{pid}/maps"));
    }

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Percentile(IReadOnlyList<double> values, int p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static string Status(int pid, string field) =>
        File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal))[(field.Length + 1)..].Trim();
}
