using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using k8s;
using NumaOperator.Api.V1Alpha1;
using Xunit.Abstractions;

namespace NumaOperator.ApiServer.Tests;

/// <summary>
/// Throughput and latency figures for docs/benchmarks.md; a measurement, not a test (no assertions on speed). Runs only
/// with NUMAOP_APISERVER_BENCH=1:
/// NUMAOP_APISERVER_BENCH=1 dotnet test tests/NumaOperator.ApiServer.Tests --filter ApiServerBenchmark --logger "console;verbosity=detailed"
/// </summary>
public sealed class ApiServerBenchmark(ITestOutputHelper output)
{
    private const int Objects = 10_000;

    [SkippableFact]
    public async Task Measure_creates_lists_and_watch_latency()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("NUMAOP_APISERVER_BENCH") == "1", "a measurement for docs/benchmarks.md; set NUMAOP_APISERVER_BENCH=1 to run it");
        foreach (var persistent in new[] { false, true })
        {
            var dir = persistent ? TestServer.TempDir() : null;
            try
            {
                await using var server = await TestServer.StartAsync(dir, watchHistory: 2 * Objects);
                using var client = TestServer.Client(server);
                var vms = TestServer.Vms(client);
                await vms.CreateNamespacedAsync(TestServer.Vm("warmup"), "default");

                var clock = Stopwatch.StartNew();
                var next = 0;
                await Parallel.ForEachAsync(Enumerable.Range(0, 8), async (_, ct) =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) <= Objects)
                    {
                        await vms.CreateNamespacedAsync(TestServer.Vm("vm-" + i.ToString(CultureInfo.InvariantCulture)), "default", ct);
                    }
                });
                var createSeconds = clock.Elapsed.TotalSeconds;

                clock.Restart();
                var list = await vms.ListNamespacedAsync<NumaVirtualMachineList>("default");
                var listMs = clock.Elapsed.TotalMilliseconds;

                var latencies = await WatchLatencyAsync(client, server, 200);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(persistent ? "sqlite" : "memory")}: {Objects} creates (8 clients) in {createSeconds:F1} s = {Objects / createSeconds:F0}/s; " +
                    $"list of {list.Items.Count} typed objects {listMs:F0} ms; watch event latency p50 {latencies[latencies.Count / 2]:F2} ms, p99 {latencies[latencies.Count * 99 / 100]:F2} ms"));
            }
            finally
            {
                if (dir is not null)
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
        }
    }

    /// <summary>Time from sending an update to the watcher seeing it, for sequential updates.</summary>
    private static async Task<List<double>> WatchLatencyAsync(Kubernetes client, EmbeddedApiServer server, int samples)
    {
        var vms = TestServer.Vms(client);
        await vms.CreateNamespacedAsync(TestServer.Vm("probe"), "default");
        var seen = new ConcurrentDictionary<string, long>();
        var arrived = new SemaphoreSlim(0);
        using var watcher = await Task.Run(() => client.CustomObjects.WatchListNamespacedCustomObject(
            ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural,
            fieldSelector: "metadata.name=probe", resourceVersion: server.ResourceVersion.ToString(CultureInfo.InvariantCulture), timeoutSeconds: 120,
            onEvent: (type, obj) =>
            {
                if (type == WatchEventType.Modified)
                {
                    arrived.Release();
                }
            }));
        var latencies = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var clock = Stopwatch.StartNew();
            await vms.PatchNamespacedAsync<NumaVirtualMachine>(
                new k8s.Models.V1Patch("{\"metadata\":{\"labels\":{\"n\":\"" + i.ToString(CultureInfo.InvariantCulture) + "\"}}}", k8s.Models.V1Patch.PatchType.MergePatch), "default", "probe");
            await arrived.WaitAsync(TimeSpan.FromSeconds(10));
            latencies.Add(clock.Elapsed.TotalMilliseconds);
        }

        latencies.Sort();
        return latencies;
    }
}
