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
/// p50/p99 create→Scheduled, the controller's peak RSS and CPU, and when the last placeholder pod exists (a burst puts
/// them off). Figures go to docs/benchmarks.md, not into assertions.
/// </summary>
public sealed class SchedulingBenchmark
{
    [SkippableFact]
    public async Task Thousand_vms_onto_hundred_nodes()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("NUMAOP_CONTROLLER_BENCH") == "1", "benchmark: set NUMAOP_CONTROLLER_BENCH=1 (and NUMAOP_CONTROLLER_BENCH_VMS, default 1000)");
        var settings = BenchSettings.FromEnvironment();
        const int nodeCount = 100;
        var pagesPerNuma = Math.Max(2048, ((settings.VmCount + settings.Warmup) / (nodeCount * 2) + 2) * 256);
        await using var fixture = await ControllerFixture.StartAsync();
        await Parallel.ForEachAsync(Enumerable.Range(0, nodeCount), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
            await fixture.AddNodeAsync($"node-{i:D3}", pagesPerNuma, pagesPerNuma));

        var kubeconfig = Path.Combine(Path.GetTempPath(), $"numaop-bench-{Guid.NewGuid():N}.kubeconfig");
        fixture.Server.WriteKubeconfig(kubeconfig);
        var controller = StartController(settings, kubeconfig);
        try
        {
            var run = new BenchRun(settings);
            using var stopWatch = new CancellationTokenSource();
            var watching = Task.Run(() => run.WatchAsync(fixture.Client, stopWatch.Token));
            await Task.Delay(2000); // controller start-up is not part of the measurement
            if (settings.Warmup > 0)
            {
                controller = await WarmUpAsync(fixture, run, controller, kubeconfig);
            }

            var (controllerCpu, testCpu) = (ProcessUsage.CpuSeconds(controller.Id), ProcessUsage.CpuSeconds(Environment.ProcessId));
            var started = Stopwatch.GetTimestamp();
            await CreateMeasuredAsync(fixture, run, started);
            var createsDone = Stopwatch.GetElapsedTime(started);
            var peakRss = 0L;
            await Eventually.LastReadingAsync(
                () =>
                {
                    peakRss = Math.Max(peakRss, ProcessUsage.PeakRssBytes(controller.Id));
                    return Task.FromResult(run.Scheduled.Count);
                },
                count => count >= settings.VmCount,
                TimeSpan.FromMinutes(5),
                TimeSpan.FromMilliseconds(20));
            var total = Stopwatch.GetElapsedTime(started, run.Scheduled.Values.Max());
            var cpu = $"CPU until all Scheduled: controller {ProcessUsage.CpuSeconds(controller.Id) - controllerCpu:F1} s, test process (API server, creates, watch) {ProcessUsage.CpuSeconds(Environment.ProcessId) - testCpu:F1} s";

            // The placeholder pods may follow the placements (a burst defers them): the whole job ends with the last one.
            var pods = await Eventually.LastReadingAsync(() => PodCountAsync(fixture), n => n >= settings.VmCount + settings.Warmup, TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(50));
            var podsDone = Stopwatch.GetElapsedTime(started);
            peakRss = Math.Max(peakRss, ProcessUsage.PeakRssBytes(controller.Id));
            await stopWatch.CancelAsync();
            await watching.ContinueWith(_ => { }, TaskScheduler.Default);
            cpu += $"; all {pods} placeholder pods after {podsDone.TotalSeconds:F2} s, controller CPU until then {ProcessUsage.CpuSeconds(controller.Id) - controllerCpu:F1} s";
            var report = run.Report(nodeCount, createsDone, total, peakRss, cpu);
            Console.WriteLine(report);
            await File.WriteAllTextAsync(Path.Combine(Path.GetTempPath(), $"numaop-controller-bench-{settings.VmCount}.txt"), report + "\n");
            Assert.Equal(settings.VmCount, run.Scheduled.Count);
        }
        finally
        {
            await StopAsync(controller);
            File.Delete(kubeconfig);
        }
    }

    /// <summary>Schedules the warm-up VMs (not measured), lets the JIT's tier-up finish and, when asked, replaces the controller by a cold one.</summary>
    private static async Task<Process> WarmUpAsync(ControllerFixture fixture, BenchRun run, Process controller, string kubeconfig)
    {
        var settings = run.Settings;
        await Parallel.ForEachAsync(Enumerable.Range(0, settings.Warmup), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, token) =>
            await fixture.CreateAsync(ControllerFixture.Vm($"warm-{i:D5}", cores: 1, size: "512Mi")));
        var warmed = await Eventually.LastReadingAsync(() => Task.FromResult(run.Warmed.Count), count => count >= settings.Warmup, TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(50));
        Assert.Equal(settings.Warmup, warmed);
        await Task.Delay(settings.Settle); // the JIT's background tier-up of what the warm-up ran
        if (!settings.ColdController)
        {
            return controller;
        }

        await StopAsync(controller);
        var fresh = StartController(settings, kubeconfig);
        await Task.Delay(2000); // as at the first start: start-up is not part of the measurement
        return fresh;
    }

    /// <summary>Creates the measured VMs: a burst of 16 concurrent clients, or paced at the configured rate.</summary>
    private static Task CreateMeasuredAsync(ControllerFixture fixture, BenchRun run, long started) =>
        Parallel.ForEachAsync(Enumerable.Range(0, run.Settings.VmCount), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, token) =>
        {
            var name = $"vm-{i:D5}";
            if (run.Settings.Rate > 0)
            {
                // Paced: VM i is applied at i / rate seconds (an apply loop or a GitOps sync, not a burst).
                var due = TimeSpan.FromSeconds(i / run.Settings.Rate) - Stopwatch.GetElapsedTime(started);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, token);
                }
            }

            var begin = Stopwatch.GetTimestamp();
            await fixture.CreateAsync(ControllerFixture.Vm(name, cores: 1, size: "512Mi"));
            run.Created[name] = begin;
        });

    /// <summary>How many pods exist, read from a one-item page (its remainingItemCount), not a list of them all.</summary>
    private static async Task<long> PodCountAsync(ControllerFixture fixture)
    {
        var page = await fixture.Client.CoreV1.ListNamespacedPodAsync("default", limit: 1);
        return page.Items.Count + (page.Metadata.RemainingItemCount ?? 0);
    }

    private static Process StartController(BenchSettings settings, string kubeconfig)
    {
        var command = CliUnderTest.CommandFor(settings.Cli);
        var start = ChildProcess.Start(command[0], [.. command.Skip(1), "controller", "--kubeconfig", kubeconfig, "--workers", settings.Workers]);
        foreach (var (name, value) in settings.ControllerEnvironment)
        {
            start.Environment[name] = value;
        }

        var started = Process.Start(start)!;
        started.OutputDataReceived += (_, _) => { };
        started.ErrorDataReceived += (_, _) => { };
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        return started;
    }

    private static async Task StopAsync(Process controller)
    {
        controller.Kill(entireProcessTree: true);
        await controller.WaitForExitAsync();
        controller.Dispose();
    }
}
