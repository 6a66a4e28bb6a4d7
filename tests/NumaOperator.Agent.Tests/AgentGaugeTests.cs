using System.Diagnostics.Metrics;
using k8s.Models;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Qemu.Measurement;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using static NumaOperator.Agent.Tests.TopologyPublishingTests;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// The agent's gauges and counters beyond local_ratio and free_hugepages: per VM numa_aligned (with the verdict's
/// reason) and numastat age, which starts rule a restart, and per pool total_hugepages (read from sysfs). The real-QEMU
/// path is covered end to end by tests/NumaOperator.Monitoring.Tests through a real Prometheus.
/// </summary>
public sealed class AgentGaugeTests : IDisposable
{
    private static readonly DateTime Start = new(2026, 11, 29, 10, 0, 0, DateTimeKind.Utc);
    private readonly string stateDir = Path.Combine("/tmp", "nag-" + Guid.NewGuid().ToString("N")[..8]);

    private sealed record Sampled(string Key, DateTime TrackedSince, DateTime? LastSample, NumaVerdict? Verdict) : ISampledVm;

    [Fact]
    public void Alignment_is_1_or_0_tagged_with_the_verdicts_reason_and_absent_before_the_first_sample()
    {
        Sampled[] vms =
        [
            new("default/db1", Start, Start, new NumaVerdict(true, NumaVerdict.ReasonAligned, "aligned")),
            new("team-a/unbound", Start, Start, new NumaVerdict(false, NumaVerdict.ReasonUnbound, "not aligned")),
            new("default/booting", Start, null, null),
        ];

        var points = TrackedVmGauges.NumaAligned(vms, "w1").ToList();

        Assert.Equal(2, points.Count);
        Assert.Equal((1, "default", "db1", "w1", "Aligned"), Describe(points[0]));
        Assert.Equal((0, "team-a", "unbound", "w1", "Unbound"), Describe(points[1]));
    }

    [Fact]
    public void Numastat_age_counts_from_the_last_sample_or_from_the_start_when_no_sample_succeeded()
    {
        Sampled[] vms =
        [
            new("default/sampled", Start, Start.AddSeconds(100), null),
            new("default/never", Start, null, null),
            new("default/clock-behind", Start, Start.AddSeconds(200), null),
        ];

        var ages = TrackedVmGauges.NumastatAges(vms, "w1", Start.AddSeconds(130)).Select(p => p.Value).ToList();

        Assert.Equal([30.0, 130.0, 0.0], ages);
    }

    [Theory]
    [InlineData(null, null, false)] // first start: no Running condition yet
    [InlineData("True", "Running", false)]
    [InlineData("False", "Starting", false)] // a start that is still going (the reconcile is retried)
    [InlineData("False", "PreflightFailed", false)] // QEMU never ran
    [InlineData("False", "StartFailed", false)]
    [InlineData("False", "BadBootFile", false)]
    [InlineData("False", "Stopped", true)] // spec.running toggled
    [InlineData("False", "ProcessExited", true)] // QEMU died and the spec changed since
    public void A_start_is_a_restart_only_after_a_stop_or_an_exit(string? status, string? reason, bool restart)
    {
        var vm = new NumaVirtualMachine { Metadata = new V1ObjectMeta { Name = "vm", NamespaceProperty = "default", Generation = 2 } };
        if (status is not null)
        {
            vm.Status = new NumaVirtualMachineStatus { Conditions = [new V1Condition { Type = AgentConditions.Running, Status = status, Reason = reason, Message = "m" }] };
        }

        Assert.Equal(restart, RestartRule.IsRestart(vm));
    }

    [Fact]
    public async Task Total_hugepages_gauge_reports_nr_hugepages_of_every_numa_node_and_page_size()
    {
        using var sysfs = new ScratchSysfs("intel-2s-smt");
        sysfs.Write("sys/devices/system/node/node1/hugepages/hugepages-1048576kB/nr_hugepages", "6\n");
        var exported = new List<Metric>();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(AgentTelemetry.Name).AddInMemoryExporter(exported).Build()!;
        await using var fixture = await AgentFixture.StartAsync();
        var (agent, _) = fixture.StartAgent(new AgentOptions { NodeName = "total-node", SysfsRoot = sysfs.Root, StateDirectory = stateDir });
        await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        meters.ForceFlush();
        var points = Points(exported, "numaoperator.node.total_hugepages").Where(p => Tag(p, "node") == "total-node").ToList();
        Assert.Equal(4, points.Count); // 2 NUMA nodes × (2Mi, 1Gi)
        Assert.Equal(16384, points.Single(p => Tag(p, "numa_node") == "0" && Tag(p, "page_size") == "2Mi").GetGaugeLastValueLong());
        Assert.Equal(6, points.Single(p => Tag(p, "numa_node") == "1" && Tag(p, "page_size") == "1Gi").GetGaugeLastValueLong());
    }

    public void Dispose()
    {
        if (Directory.Exists(stateDir))
        {
            Directory.Delete(stateDir, recursive: true);
        }
    }

    private static (int Value, string? Namespace, string? Name, string? Node, string? Reason) Describe(Measurement<int> point)
    {
        var tags = point.Tags.ToArray().ToDictionary(t => t.Key, t => t.Value as string);
        return (point.Value, tags["namespace"], tags["name"], tags["node"], tags["reason"]);
    }
}
