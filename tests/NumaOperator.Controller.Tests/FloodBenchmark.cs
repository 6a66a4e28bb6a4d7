using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Controller.Tests;

/// <summary>
/// Issue 22's measurement, run on demand (NUMAOP_FLOOD_BENCH=1): create→Scheduled latency of VMs created at a steady
/// rate, with the controller in this process as in `numa-operator standalone`, in three runs side by side: no flood;
/// a flood from one kubeconfig client (curl in its own process, <see cref="CurlFlood"/>) with the controller on the
/// loopback identity (exempt); the same flood with the controller on the kubeconfig identity (sharing the flooded
/// priority level). Figures go to docs/benchmarks.md.
/// </summary>
public sealed class FloodBenchmark
{
    [SkippableFact]
    public async Task Placement_latency_with_and_without_a_flood()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("NUMAOP_FLOOD_BENCH") == "1", "benchmark: set NUMAOP_FLOOD_BENCH=1");
        var vms = int.TryParse(Environment.GetEnvironmentVariable("NUMAOP_FLOOD_BENCH_VMS"), out var n) ? n : 300;
        var rate = double.TryParse(Environment.GetEnvironmentVariable("NUMAOP_FLOOD_BENCH_RATE"), CultureInfo.InvariantCulture, out var r) ? r : 50;
        var concurrency = int.TryParse(Environment.GetEnvironmentVariable("NUMAOP_FLOOD_BENCH_CLIENTS"), out var c) ? c : 128;

        // NUMAOP_FLOOD_BENCH_INFLIGHT: --max-requests-inflight of the server (mutating: half of it); default: the server's default.
        var flow = int.TryParse(Environment.GetEnvironmentVariable("NUMAOP_FLOOD_BENCH_INFLIGHT"), out var seats)
            ? new FlowControlOptions { MaxRequestsInflight = seats, MaxMutatingRequestsInflight = Math.Max(1, seats / 2) }
            : new FlowControlOptions();
        var lines = new List<string>();
        foreach (var (flood, controllerIdentity) in new[] { (false, ClientIdentity.Loopback), (true, ClientIdentity.Loopback), (true, ClientIdentity.Kubeconfig) })
        {
            lines.Add(await RunAsync(vms, rate, flood ? concurrency : 0, controllerIdentity, flow));
            Console.WriteLine(lines[^1]);
        }

        await File.WriteAllLinesAsync(Path.Combine(Path.GetTempPath(), "numaop-flood-bench.txt"), lines);
    }

    private static async Task<string> RunAsync(int vmCount, double rate, int floodClients, ClientIdentity controllerIdentity, FlowControlOptions flow)
    {
        await using var fixture = await ControllerFixture.StartAsync(flowControl: flow);
        for (var i = 0; i < 50; i++)
        {
            await fixture.AddNodeAsync($"node-{i:D2}", 8192, 8192);
        }

        using var controllerClient = new Kubernetes(fixture.Server.ClientConfiguration(controllerIdentity));
        var controller = new ControllerHost(controllerClient, new ControllerHostOptions(), NullLoggerFactory.Instance);
        using var stopController = new CancellationTokenSource();
        var running = Task.Run(() => controller.RunAsync(stopController.Token));
        var scheduled = new ConcurrentDictionary<string, long>();
        using var stopWatch = new CancellationTokenSource();
        var watching = Task.Run(() => WatchScheduledAsync(fixture.Client, scheduled, stopWatch.Token));

        // Warm-up (not measured): the controller's and server's hot paths past the JIT, as in a running standalone.
        await CreatePacedAsync(fixture, "warm", 100, rate * 4, null);
        await WaitAllAsync(scheduled, "warm", 100);
        var flood = floodClients > 0 ? new CurlFlood(fixture.Server, floodClients) : null;
        try
        {
            // The flood's paths in the server (429, queue) warm up before the measurement too.
            await Task.Delay(TimeSpan.FromSeconds(5));
            var created = new ConcurrentDictionary<string, long>();
            var started = Stopwatch.GetTimestamp();
            await CreatePacedAsync(fixture, "vm", vmCount, rate, created);
            await WaitAllAsync(scheduled, "vm", vmCount);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var latencies = created.Select(p => Stopwatch.GetElapsedTime(p.Value, scheduled[p.Key]).TotalMilliseconds).Order().ToArray();
            var served = flood is null ? string.Empty : $"; flood: {flood.Ok / seconds:F0} answers/s served, {flood.TooManyRequests / seconds:F0}/s 429, {flood.Other} other";
            return $"{vmCount} VMs at {rate:F0}/s, {flow.MaxRequestsInflight}/{flow.MaxMutatingRequestsInflight} seats, {(floodClients == 0 ? "no flood" : $"flood of {floodClients} looping clients")}, controller on {controllerIdentity}: " +
                $"create→Scheduled p50 {latencies[latencies.Length / 2]:F0} ms, p99 {latencies[(int)(latencies.Length * 0.99)]:F0} ms, max {latencies[^1]:F0} ms{served}";
        }
        finally
        {
            if (flood is not null)
            {
                await flood.DisposeAsync();
            }

            await stopWatch.CancelAsync();
            await stopController.CancelAsync();
            await Task.WhenAll(watching.ContinueWith(_ => { }, TaskScheduler.Default), running.ContinueWith(_ => { }, TaskScheduler.Default));
        }
    }

    private static async Task CreatePacedAsync(ControllerFixture fixture, string prefix, int count, double rate, ConcurrentDictionary<string, long>? created)
    {
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
        {
            var due = TimeSpan.FromSeconds(i / rate) - Stopwatch.GetElapsedTime(started);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, token);
            }

            var name = $"{prefix}-{i:D5}";
            var begin = Stopwatch.GetTimestamp();
            await fixture.CreateAsync(ControllerFixture.Vm(name, cores: 1, size: "512Mi"));
            created?.TryAdd(name, begin);
        });
    }

    private static async Task WaitAllAsync(ConcurrentDictionary<string, long> scheduled, string prefix, int count)
    {
        var deadline = Stopwatch.StartNew();
        while (scheduled.Keys.Count(k => k.StartsWith(prefix + "-", StringComparison.Ordinal)) < count)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(3), $"{prefix}: not every VM Scheduled within 3 minutes");
            await Task.Delay(50);
        }
    }

    private static async Task WatchScheduledAsync(Kubernetes client, ConcurrentDictionary<string, long> scheduled, CancellationToken ct)
    {
        var events = client.CustomObjects.WatchListNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, timeoutSeconds: 900, cancellationToken: ct);
        await foreach (var (_, raw) in events)
        {
            if (raw is JsonElement vm && vm.TryGetProperty("status", out var status) && status.TryGetProperty("conditions", out var conditions)
                && conditions.EnumerateArray().Any(c => c.GetProperty("type").GetString() == SchedulingStatus.ConditionType && c.GetProperty("status").GetString() == "True"))
            {
                scheduled.TryAdd(vm.GetProperty("metadata").GetProperty("name").GetString()!, Stopwatch.GetTimestamp());
            }
        }
    }
}
