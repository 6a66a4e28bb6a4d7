using k8s;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using static NumaOperator.Controller.Tests.ReconcileTelemetryTests;

namespace NumaOperator.Controller.Tests;

/// <summary>
/// The scheduling term's gauges through the SDK's in-memory exporter: what the ledger promised per host NUMA node
/// (hugepages placed and free; CPUs dedicated, shared, reserved, free), how long each unschedulable VM has waited,
/// and how old each node's agent heartbeat is. The Prometheus names are in docs/monitoring.md.
/// </summary>
[Collection(SerialTelemetryTests.Name)]
public sealed class SchedulingGaugeTests
{
    private const string Node = "gauge-node";

    [Fact]
    public async Task Ledger_waiting_and_heartbeat_gauges_report_what_the_controller_holds_and_drop_what_is_gone()
    {
        var metrics = new List<Metric>();
        using var metering = Sdk.CreateMeterProviderBuilder().AddMeter(ControllerTelemetry.Name).AddInMemoryExporter(metrics).Build()!;
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync(Node, 512, 512); // two NUMA nodes of 8 CPUs, 1Gi of 2Mi pages each
        var heartbeat = DateTime.UtcNow.AddSeconds(-90);
        await PatchTopologyAsync(fixture, new { spec = new { reservedCpus = "0" } }, status: false);
        await PatchTopologyAsync(fixture, new { status = new { heartbeatTime = heartbeat.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) } }, status: true);
        fixture.StartController();

        await fixture.CreateAsync(ControllerFixture.Vm("pinned", cores: 2, size: "1Gi", dedicated: true));
        await fixture.CreateAsync(ControllerFixture.Vm("floating", cores: 1, size: "1Gi"));
        await fixture.WaitForAsync("pinned", ControllerFixture.IsScheduled);
        await fixture.WaitForAsync("floating", ControllerFixture.IsScheduled);
        await fixture.CreateAsync(ControllerFixture.Vm("waiting", cores: 1, size: "1Gi"));
        await fixture.WaitForAsync("waiting", ControllerFixture.IsUnschedulable);

        var pages = Collect(metering, metrics, "numaoperator.ledger.hugepages");
        Assert.Equal(1024, Total(pages, "state", "placed"));
        Assert.Equal(0, Total(pages, "state", "free"));
        Assert.All(pages, p => Assert.Equal("2Mi", TagOf(p, "page_size")));
        Assert.All(pages.GroupBy(p => Tag(p, "numa_node")), numa => Assert.Equal(512, numa.Sum(p => p.GetGaugeLastValueLong())));

        var cpus = Collect(metering, metrics, "numaoperator.ledger.cpus");
        Assert.Equal(2, Total(cpus, "state", "dedicated"));
        Assert.Equal(1, Total(cpus, "state", "reserved"));
        Assert.Equal(16, Total(cpus, null, null)); // every CPU in exactly one state
        var floatingNuma = Tag(cpus.Single(p => TagOf(p, "state") == "shared" && p.GetGaugeLastValueLong() > 0), "numa_node");
        Assert.Equal(0, Total(cpus.Where(p => Tag(p, "numa_node") == floatingNuma).ToList(), "state", "dedicated")); // the pinned VM took the other node's pages

        var waiting = Assert.Single(Collect(metering, metrics, "numaoperator.vm.unschedulable.duration"), p => TagOf(p, "namespace") == "default");
        Assert.Equal("waiting", TagOf(waiting, "name"));
        Assert.InRange(waiting.GetGaugeLastValueDouble(), 0, 30);

        var age = Assert.Single(Collect(metering, metrics, "numaoperator.node.heartbeat.age"), p => TagOf(p, "node") == Node);
        Assert.InRange(age.GetGaugeLastValueDouble(), 89, 150);

        // More pages reserved: the waiting VM is placed, and its wait is no longer reported.
        await fixture.SetHugepagesAsync(Node, 1024, 1024);
        await fixture.WaitForAsync("waiting", ControllerFixture.IsScheduled);
        metrics.Clear();
        Assert.True(metering.ForceFlush(5000));
        Assert.DoesNotContain(metrics.Where(m => m.Name == "numaoperator.vm.unschedulable.duration").SelectMany(PointsOf), p => TagOf(p, "name") == "waiting");
    }

    private static List<MetricPoint> Collect(MeterProvider metering, List<Metric> metrics, string name)
    {
        metrics.Clear();
        Assert.True(metering.ForceFlush(5000));
        return [.. Points(metrics, name).Where(p => TagOf(p, "node") is null or Node)];
    }

    private static IEnumerable<MetricPoint> PointsOf(Metric metric)
    {
        var points = new List<MetricPoint>();
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            points.Add(point);
        }

        return points;
    }

    /// <summary>Sum of the gauge values whose <paramref name="tag"/> is <paramref name="value"/> (null: all).</summary>
    private static long Total(List<MetricPoint> points, string? tag, string? value) =>
        points.Where(p => tag is null || TagOf(p, tag) == value).Sum(p => p.GetGaugeLastValueLong());

    /// <summary>A tag whatever its type (numa_node is an int).</summary>
    private static string? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    private static async Task PatchTopologyAsync(ControllerFixture fixture, object patch, bool status)
    {
        var body = new V1Patch(KubernetesJson.Serialize(patch), V1Patch.PatchType.MergePatch);
        if (status)
        {
            await fixture.Client.CustomObjects.PatchClusterCustomObjectStatusAsync(body, ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, Node);
        }
        else
        {
            await fixture.Client.CustomObjects.PatchClusterCustomObjectAsync(body, ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, Node);
        }
    }
}
