using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using k8s;
using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests;

/// <summary>
/// The benchmark, run on demand (NUMAOP_CONTROLLER_BENCH=1): N VMs created through the API onto 100 simulated
/// nodes, scheduled by a separate `numa-operator controller` process; prints time until all Scheduled, VMs/s,
/// p50/p99 create→Scheduled and the controller's peak RSS. Figures go to docs/benchmarks.md, not into assertions.
/// </summary>
public sealed class SchedulingBenchmark
{
    [SkippableFact]
    public async Task Thousand_vms_onto_hundred_nodes()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("NUMAOP_CONTROLLER_BENCH") == "1", "benchmark: set NUMAOP_CONTROLLER_BENCH=1 (and NUMAOP_CONTROLLER_BENCH_VMS, default 1000)");
        var vmCount = int.TryParse(Environment.GetEnvironmentVariable("NUMAOP_CONTROLLER_BENCH_VMS"), out var n) ? n : 1000;
        // VMs created per second; 0 (default) creates them as fast as 16 concurrent clients can (a burst).
        var rate = double.TryParse(Environment.GetEnvironmentVariable("NUMAOP_CONTROLLER_BENCH_RATE"), CultureInfo.InvariantCulture, out var r) ? r : 0;
        // VMs scheduled before the measured ones (not measured): a controller and server that have run a while, their
        // hot paths past the JIT's tiers, as a long-running controller is (default 500); 0 measures a cold start.
        var warmup = int.TryParse(Environment.GetEnvironmentVariable("NUMAOP_CONTROLLER_BENCH_WARMUP"), out var wu) ? wu : 500;
        const int nodeCount = 100;
        var pagesPerNuma = Math.Max(2048, ((vmCount + warmup) / (nodeCount * 2) + 2) * 256);
        await using var fixture = await ControllerFixture.StartAsync();
        await Parallel.ForEachAsync(Enumerable.Range(0, nodeCount), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
            await fixture.AddNodeAsync($"node-{i:D3}", pagesPerNuma, pagesPerNuma));

        var kubeconfig = Path.Combine(Path.GetTempPath(), $"numaop-bench-{Guid.NewGuid():N}.kubeconfig");
        fixture.Server.WriteKubeconfig(kubeconfig);
        var workers = Environment.GetEnvironmentVariable("NUMAOP_CONTROLLER_BENCH_WORKERS") is { Length: > 0 } w ? w : "4";
        // NUMAOP_CONTROLLER_BENCH_CLI: another build to measure: a numa-operator.dll (run with dotnet) or a published
        // executable (tests/tools/publish.sh); NUMAOP_CONTROLLER_BENCH_ENV="K=V;K=V": environment of the controller only.
        var cli = Environment.GetEnvironmentVariable("NUMAOP_CONTROLLER_BENCH_CLI") is { Length: > 0 } other ? other : RepoPaths.CliDll;
        Process StartController()
        {
            var start = cli.EndsWith(".dll", StringComparison.Ordinal)
                ? new ProcessStartInfo("dotnet", [cli, "controller", "--kubeconfig", kubeconfig, "--workers", workers])
                : new ProcessStartInfo(cli, ["controller", "--kubeconfig", kubeconfig, "--workers", workers]);
            (start.RedirectStandardOutput, start.RedirectStandardError) = (true, true);
            foreach (var setting in (Environment.GetEnvironmentVariable("NUMAOP_CONTROLLER_BENCH_ENV") ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                start.Environment[setting[..setting.IndexOf('=', StringComparison.Ordinal)]] = setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..];
            }

            var started = Process.Start(start)!;
            started.OutputDataReceived += (_, _) => { };
            started.ErrorDataReceived += (_, _) => { };
            started.BeginOutputReadLine();
            started.BeginErrorReadLine();
            return started;
        }

        // NUMAOP_CONTROLLER_BENCH_COLD_CONTROLLER=1: after the warm-up, a fresh controller process replaces the one that
        // ran it, so a cold controller meets a warm API server, as a (re)started controller meets kube-apiserver.
        var coldController = Environment.GetEnvironmentVariable("NUMAOP_CONTROLLER_BENCH_COLD_CONTROLLER") == "1";
        var controller = StartController();
        var peakRss = 0L;
        try
        {
            var created = new ConcurrentDictionary<string, long>();
            var scheduled = new ConcurrentDictionary<string, long>();
            var warmed = new ConcurrentDictionary<string, long>();
            using var stopWatch = new CancellationTokenSource();
            var watching = Task.Run(async () =>
            {
                var events = fixture.Client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                    ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, timeoutSeconds: 600, cancellationToken: stopWatch.Token);
                await foreach (var (_, raw) in events)
                {
                    // Read the few fields needed from the JSON tree: the measuring watch shares the 2 cores with what it measures.
                    if (raw is JsonElement vm && IsScheduled(vm))
                    {
                        var name = vm.GetProperty("metadata").GetProperty("name").GetString()!;
                        (name.StartsWith("warm-", StringComparison.Ordinal) ? warmed : scheduled).TryAdd(name, Stopwatch.GetTimestamp());
                    }
                }
            });
            await Task.Delay(2000); // controller start-up is not part of the measurement
            if (warmup > 0)
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, warmup), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, token) =>
                    await fixture.CreateAsync(ControllerFixture.Vm($"warm-{i:D5}", cores: 1, size: "512Mi")));
                var warmDeadline = DateTime.UtcNow.AddMinutes(2);
                while (warmed.Count < warmup && DateTime.UtcNow < warmDeadline)
                {
                    await Task.Delay(50);
                }

                Assert.Equal(warmup, warmed.Count);
                // Let the JIT's background tier-up of what the warm-up ran finish.
                await Task.Delay(TimeSpan.FromSeconds(double.TryParse(Environment.GetEnvironmentVariable("NUMAOP_CONTROLLER_BENCH_SETTLE"), CultureInfo.InvariantCulture, out var settle) ? settle : 3));
                if (coldController)
                {
                    controller.Kill(entireProcessTree: true);
                    await controller.WaitForExitAsync();
                    controller.Dispose();
                    controller = StartController();
                    await Task.Delay(2000); // as at the first start: start-up is not part of the measurement
                }
            }

            var (controllerCpu, testCpu) = (CpuSeconds(controller.Id), CpuSeconds(Environment.ProcessId));
            var started = Stopwatch.GetTimestamp();
            await Parallel.ForEachAsync(Enumerable.Range(0, vmCount), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, token) =>
            {
                var name = $"vm-{i:D5}";
                if (rate > 0)
                {
                    // Paced: VM i is applied at i / rate seconds (an apply loop or a GitOps sync, not a burst).
                    var due = TimeSpan.FromSeconds(i / rate) - Stopwatch.GetElapsedTime(started);
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, token);
                    }
                }

                var begin = Stopwatch.GetTimestamp();
                await fixture.CreateAsync(ControllerFixture.Vm(name, cores: 1, size: "512Mi"));
                created[name] = begin;
            });
            var createsDone = Stopwatch.GetElapsedTime(started);
            var deadline = DateTime.UtcNow.AddMinutes(5);
            while (scheduled.Count < vmCount && DateTime.UtcNow < deadline)
            {
                peakRss = Math.Max(peakRss, PeakRssBytes(controller.Id));
                await Task.Delay(20);
            }

            var total = Stopwatch.GetElapsedTime(started, scheduled.Values.Max());
            peakRss = Math.Max(peakRss, PeakRssBytes(controller.Id));
            await stopWatch.CancelAsync();
            await watching.ContinueWith(_ => { }, TaskScheduler.Default);
            var latencies = scheduled.Select(s => Stopwatch.GetElapsedTime(created[s.Key], s.Value).TotalMilliseconds).Order().ToArray();
            var cpu = $"CPU during the run: controller {CpuSeconds(controller.Id) - controllerCpu:F1} s, test process (API server, creates, watch) {CpuSeconds(Environment.ProcessId) - testCpu:F1} s";
            var arrival = (rate > 0 ? $"paced at {rate:F0} VMs/s" : "burst of 16 concurrent creates")
                + (warmup == 0 ? ", cold" : coldController ? $", cold controller, API server warmed by {warmup} VMs" : $", after a warm-up of {warmup} VMs");
            var report = $"{vmCount} VMs onto {nodeCount} nodes, {arrival}, {workers} workers: creates done after {createsDone.TotalSeconds:F2} s, all Scheduled after {total.TotalSeconds:F2} s, {vmCount / total.TotalSeconds:F0} VMs/s, " +
                $"create→Scheduled p50 {latencies[latencies.Length / 2]:F0} ms p99 {latencies[(int)(latencies.Length * 0.99)]:F0} ms, controller peak RSS {peakRss / (1 << 20)} MiB; {cpu}";
            Console.WriteLine(report);
            await File.WriteAllTextAsync(Path.Combine(Path.GetTempPath(), $"numaop-controller-bench-{vmCount}.txt"), report + "\n");
            Assert.Equal(vmCount, scheduled.Count);
        }
        finally
        {
            controller.Kill(entireProcessTree: true);
            await controller.WaitForExitAsync();
            controller.Dispose();
            File.Delete(kubeconfig);
        }
    }

    /// <summary>Scheduled=True, the node label and the finalizer, read from a watch event's JSON.</summary>
    private static bool IsScheduled(JsonElement vm)
    {
        var metadata = vm.GetProperty("metadata");
        var labelled = metadata.TryGetProperty("labels", out var labels) && labels.TryGetProperty(ApiGroup.NodeLabel, out _);
        var finalized = metadata.TryGetProperty("finalizers", out var finalizers) && finalizers.EnumerateArray().Any(f => f.GetString() == ApiGroup.Finalizer);
        return labelled && finalized
            && vm.TryGetProperty("status", out var status) && status.TryGetProperty("conditions", out var conditions)
            && conditions.EnumerateArray().Any(c => c.GetProperty("type").GetString() == SchedulingStatus.ConditionType && c.GetProperty("status").GetString() == "True");
    }

    /// <summary>utime + stime of /proc/PID/stat (clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
    }

    /// <summary>VmHWM of /proc/PID/status: the process's peak resident set.</summary>
    private static long PeakRssBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
