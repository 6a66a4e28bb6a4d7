using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using k8s;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests;

/// <summary>What <see cref="SchedulingBenchmark"/> measures, read once from its environment variables.</summary>
/// <param name="VmCount">NUMAOP_CONTROLLER_BENCH_VMS (default 1000).</param>
/// <param name="Rate">NUMAOP_CONTROLLER_BENCH_RATE: VMs created per second; 0 (default) is a burst of 16 concurrent clients.</param>
/// <param name="Warmup">NUMAOP_CONTROLLER_BENCH_WARMUP: VMs scheduled first, not measured, so controller and server run past
/// the JIT's tiers as a long-running controller does (default 500); 0 measures a cold start.</param>
/// <param name="Workers">NUMAOP_CONTROLLER_BENCH_WORKERS (default 4).</param>
/// <param name="Cli">NUMAOP_CONTROLLER_BENCH_CLI: another build to measure, a numa-operator.dll or a published executable.</param>
/// <param name="ControllerEnvironment">NUMAOP_CONTROLLER_BENCH_ENV="K=V;K=V": environment of the controller only.</param>
/// <param name="ColdController">NUMAOP_CONTROLLER_BENCH_COLD_CONTROLLER=1: after the warm-up a fresh controller process
/// replaces the one that ran it (a restarted controller meeting a warm kube-apiserver).</param>
/// <param name="Settle">NUMAOP_CONTROLLER_BENCH_SETTLE seconds after the warm-up (default 3).</param>
internal sealed record BenchSettings(
    int VmCount, double Rate, int Warmup, string Workers, string Cli, IReadOnlyList<(string Name, string Value)> ControllerEnvironment, bool ColdController, TimeSpan Settle)
{
    public static BenchSettings FromEnvironment()
    {
        static string? Read(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
        var environment = (Read("NUMAOP_CONTROLLER_BENCH_ENV") ?? string.Empty)
            .Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(setting => (setting[..setting.IndexOf('=', StringComparison.Ordinal)], setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..]))
            .ToList();
        return new BenchSettings(
            int.TryParse(Read("NUMAOP_CONTROLLER_BENCH_VMS"), out var vms) ? vms : 1000,
            double.TryParse(Read("NUMAOP_CONTROLLER_BENCH_RATE"), CultureInfo.InvariantCulture, out var rate) ? rate : 0,
            int.TryParse(Read("NUMAOP_CONTROLLER_BENCH_WARMUP"), out var warmup) ? warmup : 500,
            Read("NUMAOP_CONTROLLER_BENCH_WORKERS") ?? "4",
            Read("NUMAOP_CONTROLLER_BENCH_CLI") ?? RepoPaths.CliDll,
            environment,
            Read("NUMAOP_CONTROLLER_BENCH_COLD_CONTROLLER") == "1",
            TimeSpan.FromSeconds(double.TryParse(Read("NUMAOP_CONTROLLER_BENCH_SETTLE"), CultureInfo.InvariantCulture, out var settle) ? settle : 3));
    }
}

/// <summary>The timestamps of one benchmark run: when each VM was created and when a watch saw it Scheduled.</summary>
internal sealed class BenchRun(BenchSettings settings)
{
    public BenchSettings Settings { get; } = settings;

    public ConcurrentDictionary<string, long> Created { get; } = new();

    public ConcurrentDictionary<string, long> Scheduled { get; } = new();

    public ConcurrentDictionary<string, long> Warmed { get; } = new();

    /// <summary>Records the moment each VM is first seen Scheduled, reading the few fields needed from the JSON tree (the watch shares the 2 cores with what it measures).</summary>
    public async Task WatchAsync(IKubernetes client, CancellationToken ct)
    {
        var events = client.CustomObjects.WatchListNamespacedCustomObjectAsync(
            ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, timeoutSeconds: 600, cancellationToken: ct);
        await foreach (var (_, raw) in events)
        {
            if (raw is JsonElement vm && IsScheduled(vm))
            {
                var name = vm.GetProperty("metadata").GetProperty("name").GetString()!;
                (name.StartsWith("warm-", StringComparison.Ordinal) ? Warmed : Scheduled).TryAdd(name, Stopwatch.GetTimestamp());
            }
        }
    }

    public string Report(int nodeCount, TimeSpan createsDone, TimeSpan total, long peakRss, string cpu)
    {
        var latencies = Scheduled.Select(s => Stopwatch.GetElapsedTime(Created[s.Key], s.Value).TotalMilliseconds).Order().ToArray();
        var arrival = (Settings.Rate > 0 ? $"paced at {Settings.Rate:F0} VMs/s" : "burst of 16 concurrent creates")
            + (Settings.Warmup == 0 ? ", cold" : Settings.ColdController ? $", cold controller, API server warmed by {Settings.Warmup} VMs" : $", after a warm-up of {Settings.Warmup} VMs");
        return $"{Settings.VmCount} VMs onto {nodeCount} nodes, {arrival}, {Settings.Workers} workers: creates done after {createsDone.TotalSeconds:F2} s, all Scheduled after {total.TotalSeconds:F2} s, {Settings.VmCount / total.TotalSeconds:F0} VMs/s, " +
            $"create→Scheduled p50 {latencies[latencies.Length / 2]:F0} ms p99 {latencies[(int)(latencies.Length * 0.99)]:F0} ms, controller peak RSS {peakRss / (1 << 20)} MiB; {cpu}";
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
}
