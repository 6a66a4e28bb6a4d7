using System.Collections.Concurrent;
using System.Diagnostics;
using k8s;
using k8s.Models;
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
    public async Task ThousandVmsOntoHundredNodes()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("NUMAOP_CONTROLLER_BENCH") == "1", "benchmark: set NUMAOP_CONTROLLER_BENCH=1 (and NUMAOP_CONTROLLER_BENCH_VMS, default 1000)");
        var vmCount = int.TryParse(Environment.GetEnvironmentVariable("NUMAOP_CONTROLLER_BENCH_VMS"), out var n) ? n : 1000;
        const int nodeCount = 100;
        var pagesPerNuma = Math.Max(2048, (vmCount / (nodeCount * 2) + 2) * 256);
        await using var fixture = await ControllerFixture.StartAsync();
        await Parallel.ForEachAsync(Enumerable.Range(0, nodeCount), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            await fixture.AddNodeAsync($"node-{i:D3}", pagesPerNuma, pagesPerNuma));

        var kubeconfig = Path.Combine(Path.GetTempPath(), $"numaop-bench-{Guid.NewGuid():N}.kubeconfig");
        fixture.Server.WriteKubeconfig(kubeconfig);
        using var controller = Process.Start(new ProcessStartInfo("dotnet", [RepoPaths.CliDll, "controller", "--kubeconfig", kubeconfig])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        controller.OutputDataReceived += (_, _) => { };
        controller.ErrorDataReceived += (_, _) => { };
        controller.BeginOutputReadLine();
        controller.BeginErrorReadLine();
        var peakRss = 0L;
        try
        {
            var created = new ConcurrentDictionary<string, long>();
            var scheduled = new ConcurrentDictionary<string, long>();
            using var stopWatch = new CancellationTokenSource();
            var watching = Task.Run(async () =>
            {
                var events = fixture.Client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                    ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, timeoutSeconds: 600, cancellationToken: stopWatch.Token);
                await foreach (var (_, raw) in events)
                {
                    var vm = KubernetesJson.Deserialize<NumaVirtualMachine>(raw.ToString()!);
                    if (ControllerFixture.IsScheduled(vm))
                    {
                        scheduled.TryAdd(vm.Metadata.Name, Stopwatch.GetTimestamp());
                    }
                }
            });
            await Task.Delay(2000); // controller start-up is not part of the measurement
            var started = Stopwatch.GetTimestamp();
            await Parallel.ForEachAsync(Enumerable.Range(0, vmCount), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            {
                var name = $"vm-{i:D5}";
                var begin = Stopwatch.GetTimestamp();
                await fixture.CreateAsync(ControllerFixture.Vm(name, cores: 1, size: "512Mi"));
                created[name] = begin;
            });
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
            var report = $"{vmCount} VMs onto {nodeCount} nodes: all Scheduled after {total.TotalSeconds:F2} s, {vmCount / total.TotalSeconds:F0} VMs/s, " +
                $"create→Scheduled p50 {latencies[latencies.Length / 2]:F0} ms p99 {latencies[(int)(latencies.Length * 0.99)]:F0} ms, controller peak RSS {peakRss / (1 << 20)} MiB";
            Console.WriteLine(report);
            await File.WriteAllTextAsync(Path.Combine(Path.GetTempPath(), $"numaop-controller-bench-{vmCount}.txt"), report + "\n");
            Assert.Equal(vmCount, scheduled.Count);
        }
        finally
        {
            controller.Kill(entireProcessTree: true);
            await controller.WaitForExitAsync();
            File.Delete(kubeconfig);
        }
    }

    /// <summary>VmHWM of /proc/PID/status: the process's peak resident set.</summary>
    private static long PeakRssBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
