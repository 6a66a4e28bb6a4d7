using System.Diagnostics;
using k8s;
using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Controller.Scheduling;
using NumaOperator.Tests.Shared;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace NumaOperator.Controller.Tests;

/// <summary>Tests that read the process-wide ActivitySource and Meter run alone, so the counts they see are their own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTelemetryTests
{
    public const string Name = "telemetry";
}

/// <summary>
/// The controller's OpenTelemetry output through the SDK's in-memory exporters: each reconcile is a span
/// "reconcile scheduling" with its key, outcome and scheduling result; metrics give reconcile durations and outcomes,
/// the queue depth and scheduling attempts by result (placed, unschedulable, invalid, conflict).
/// </summary>
[Collection(SerialTelemetryTests.Name)]
public sealed class ReconcileTelemetryTests
{
    [Fact]
    public async Task Reconciles_emit_spans_and_duration_result_queue_depth_and_attempt_metrics()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(ControllerTelemetry.Name).AddInMemoryExporter(spans).Build()!;
        using var metering = Sdk.CreateMeterProviderBuilder().AddMeter(ControllerTelemetry.Name).AddInMemoryExporter(metrics).Build()!;
        await using var fixture = await ControllerFixture.StartAsync(admission: false); // let an invalid size through to the controller
        await fixture.AddNodeAsync("worker-1", 512); // room for one VM of 1Gi
        fixture.StartController();

        await fixture.CreateAsync(ControllerFixture.Vm("placed", size: "1Gi"));
        var placed = await fixture.WaitForAsync("placed", ControllerFixture.IsScheduled);
        await fixture.CreateAsync(ControllerFixture.Vm("waiting", size: "1Gi"));
        await fixture.WaitForAsync("waiting", ControllerFixture.IsUnschedulable);
        await fixture.CreateAsync(ControllerFixture.Vm("bad", size: "1001Mi"));
        await fixture.WaitForAsync("bad", v => ConditionList.IsTrue(v.Status?.Conditions, SchedulingReconciler.ConditionStalled));

        // A recorded placement that double-books (copied from "placed" while no controller ran) is a conflict. The ledger
        // honours the older VM; creation times are whole seconds, so on a tie the name decides: "placed" < "placed-copy".
        await fixture.StopControllerAsync(0);
        await fixture.CreateAsync(ControllerFixture.Vm("placed-copy", size: "1Gi"));
        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(KubernetesJson.Serialize(new { status = placed.Status }), V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "placed-copy");
        fixture.StartController();
        await fixture.WaitForAsync("placed-copy", v => ConditionList.Find(v.Status?.Conditions, SchedulingReconciler.ConditionStalled)?.Reason == SchedulingReconciler.ReasonPlacementConflict);

        // Collect while the second controller runs (the queue depth gauge is observed at collection).
        Assert.True(tracing.ForceFlush(5000));
        Assert.True(metering.ForceFlush(5000));

        var placedSpan = Assert.Single(spans, s => Tag(s, "key") == "default/placed" && Tag(s, "scheduling.result") is not null);
        Assert.Equal("reconcile scheduling", placedSpan.DisplayName);
        Assert.Equal("scheduling", Tag(placedSpan, "controller"));
        Assert.Equal("success", Tag(placedSpan, "outcome"));
        Assert.Equal(SchedulingReconciler.ResultPlaced, Tag(placedSpan, "scheduling.result"));
        Assert.Contains(spans, s => Tag(s, "key") == "default/waiting" && Tag(s, "scheduling.result") == SchedulingReconciler.ResultUnschedulable);
        Assert.Contains(spans, s => Tag(s, "key") == "default/bad" && Tag(s, "scheduling.result") == SchedulingReconciler.ResultInvalid);
        Assert.Contains(spans, s => Tag(s, "key") == "default/placed-copy" && Tag(s, "scheduling.result") == SchedulingReconciler.ResultConflict);

        var attempts = Points(metrics, "numaoperator.controller.scheduling.attempts");
        Assert.Equal(1, Sum(attempts, "result", SchedulingReconciler.ResultPlaced)); // "placed" once; the second term read it back
        Assert.InRange(Sum(attempts, "result", SchedulingReconciler.ResultUnschedulable), 1, 3); // "waiting", again when the second term starts
        Assert.InRange(Sum(attempts, "result", SchedulingReconciler.ResultInvalid), 1, 3);
        Assert.InRange(Sum(attempts, "result", SchedulingReconciler.ResultConflict), 1, 3);

        var durations = Points(metrics, "numaoperator.controller.reconcile.duration")
            .Where(p => TagOf(p, "controller") == "scheduling" && TagOf(p, "outcome") == "success").ToList();
        Assert.NotEmpty(durations);
        Assert.True(durations.Sum(p => p.GetHistogramCount()) >= 4, "a duration per reconcile");
        Assert.True(Sum(Points(metrics, "numaoperator.controller.reconcile.results"), "outcome", "success") >= 4);
        var depth = Points(metrics, "numaoperator.controller.queue.depth");
        Assert.Contains(depth, p => TagOf(p, "controller") == "scheduling" && p.GetGaugeLastValueLong() >= 0);
    }

    [Fact]
    public async Task Heartbeats_do_not_retry_unschedulable_vms_but_a_capacity_change_does()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(ControllerTelemetry.Name).AddInMemoryExporter(spans).Build()!;
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 256); // 512Mi: too small for a 1Gi VM
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("heartbeat-waiting", size: "1Gi"));
        await fixture.WaitForAsync("heartbeat-waiting", ControllerFixture.IsUnschedulable);
        await Task.Delay(300);
        var before = Attempts(tracing, spans);

        // What the agent writes every 30 s: a heartbeat with the same facts. Not capacity (free counts are: FreePageCapacity).
        for (var beat = 1; beat <= 3; beat++)
        {
            var patch = $$$"""{"status":{"heartbeatTime":"2030-01-01T00:00:0{{{beat}}}Z","numaNodes":[{"id":0,"cpus":"0-7","memoryBytes":{{{64L << 30}}},"distances":[10],"hugepages":[{"pageSize":"2Mi","total":256,"free":256}]}]}}""";
            await fixture.Client.CustomObjects.PatchClusterCustomObjectStatusAsync(
                new V1Patch(patch, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, "worker-1");
        }

        await Eventually.ConsistentlyAsync(() => Task.FromResult(Attempts(tracing, spans)), attempts => attempts == before, TimeSpan.FromSeconds(1), "heartbeats alone start no scheduling attempt");

        // More pages reserved: a capacity change, the waiting VM is tried again and fits.
        await fixture.SetHugepagesAsync("worker-1", 1024);
        await fixture.WaitForAsync("heartbeat-waiting", ControllerFixture.IsScheduled);
    }

    /// <summary>Scheduling attempts on the test's VM, from its reconcile spans (the counter is process-wide).</summary>
    private static int Attempts(TracerProvider tracing, List<Activity> spans)
    {
        Assert.True(tracing.ForceFlush(5000));
        return spans.Count(s => Tag(s, "key") == "default/heartbeat-waiting" && Tag(s, "scheduling.result") is not null);
    }

    private static string? Tag(Activity span, string key) => span.GetTagItem(key) as string;

    internal static List<MetricPoint> Points(List<Metric> metrics, string name)
    {
        var points = new List<MetricPoint>();
        foreach (var metric in metrics.Where(m => m.Name == name))
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                points.Add(point);
            }
        }

        Assert.True(points.Count > 0, $"no points for {name}");
        return points;
    }

    private static long Sum(List<MetricPoint> points, string tag, string value) =>
        points.Where(p => TagOf(p, tag) == value).Sum(p => p.GetSumLong());

    internal static string? TagOf(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
