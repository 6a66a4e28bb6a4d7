using k8s.Models;
using NumaOperator.Agent.Topology;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Discovery;
using NumaOperator.Qemu.Host;
using NumaOperator.Tests.Shared;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using NumaOperator.Api.Status;

namespace NumaOperator.Agent.Tests;

/// <summary>The agent publishes a fixture host's NumaNodeTopology to the embedded API server over HTTP, and keeps it current.</summary>
public sealed class TopologyPublishingTests : IDisposable
{
    private readonly string stateDir = Path.Combine("/tmp", "nat-" + Guid.NewGuid().ToString("N")[..8]);

    private AgentOptions Options(string node, string sysfsRoot, string? qemu = null) => new()
    {
        NodeName = node,
        SysfsRoot = sysfsRoot,
        StateDirectory = stateDir,
        QemuPath = qemu ?? QemuBinary.DefaultPath,
        TopologyPollInterval = TimeSpan.FromMilliseconds(200),
        HeartbeatInterval = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public async Task Publishes_the_fixture_hosts_topology_qemu_heartbeat_and_ready_then_republishes_a_sysfs_change()
    {
        using var sysfs = new ScratchSysfs("intel-2s-smt");
        await using var fixture = await AgentFixture.StartAsync();
        // The admin created it first with reserved CPUs: the agent must keep spec as it is.
        await fixture.Topologies.CreateAsync(new NumaNodeTopology { Metadata = new V1ObjectMeta { Name = "fixture-node" }, Spec = new NumaNodeTopologySpec { ReservedCpus = "0-1" } });
        var (agent, _) = fixture.StartAgent(Options("fixture-node", sysfs.Root));
        await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(agent.IsReady);

        var published = await fixture.WaitForAsync(() => fixture.TopologyAsync("fixture-node"), t => t?.Status?.NumaNodes.Count > 0, "topology published");
        var status = published!.Status!;
        Assert.Equal("0-1", published.Spec?.ReservedCpus);
        Assert.Equal([0, 1], status.NumaNodes.Select(n => n.Id));
        var node1 = status.NumaNodes[1];
        Assert.Equal("16-31,48-63", node1.Cpus);
        Assert.Equal([21, 10], node1.Distances);
        Assert.Equal(264201488L * 1024, node1.MemoryBytes);
        Assert.Contains(node1.Hugepages, p => p is { PageSize: "2Mi", Total: 16384, Free: 16384 });
        Assert.Contains(node1.Hugepages, p => p is { PageSize: "1Gi", Total: 0 });
        Assert.Equal([16, 48], node1.Cores[0]);
        // Everything else exactly as discovery says.
        var expected = TopologyConversion.ToStatus(new SysfsTopologyReader(sysfs.Root).ReadTopology());
        Assert.Equal(k8s.KubernetesJson.Serialize(expected.NumaNodes), k8s.KubernetesJson.Serialize(status.NumaNodes));

        var ready = ConditionList.Find(status.Conditions, TopologyStatusBuilder.ConditionReady)!;
        if (HostCapabilities.HasQemu)
        {
            Assert.Equal(QemuBinary.Probe(QemuBinary.DefaultPath).Version.ToString(), status.Qemu!.Version);
            // The agent publishes exactly what the shared probe found (KVM only where it really runs a kernel), with models.
            Assert.Equal(TestQemu.KvmUsable, status.Qemu.Kvm);
            Assert.Equal(["KVM", "Emulation"], status.Qemu.Accelerators!.Select(a => a.Name));
            var emulation = status.Qemu.Accelerators![1];
            Assert.True(emulation.Usable);
            Assert.Contains("host-model", emulation.CpuModels);
            Assert.Contains("qemu64", emulation.CpuModels);
            var kvm = status.Qemu.Accelerators[0];
            Assert.Equal(TestQemu.KvmUsable, kvm.Usable);
            Assert.True(kvm.Usable || kvm.Reason is { Length: > 0 }, "an unusable KVM says why");
            Assert.Equal(("True", TopologyStatusBuilder.ReasonReady), (ready.Status, ready.Reason));
        }
        else
        {
            Assert.Equal(("False", TopologyStatusBuilder.ReasonQemuUnavailable), (ready.Status, ready.Reason));
        }

        // Heartbeat renewed without any change.
        var firstBeat = status.HeartbeatTime!.Value;
        await fixture.WaitForAsync(() => fixture.TopologyAsync("fixture-node"), t => t!.Status!.HeartbeatTime > firstBeat, "heartbeat renewed", seconds: 10);

        // An admin reserves hugepages on node 1: republished at the next poll.
        const string pool = "sys/devices/system/node/node1/hugepages/hugepages-2048kB/";
        sysfs.Write(pool + "nr_hugepages", "1000\n");
        sysfs.Write(pool + "free_hugepages", "990\n");
        var changed = await fixture.WaitForAsync(
            () => fixture.TopologyAsync("fixture-node"),
            t => t!.Status!.NumaNodes[1].Hugepages.Any(p => p is { PageSize: "2Mi", Total: 1000, Free: 990 }),
            "sysfs change republished",
            seconds: 10);
        Assert.Equal("0-1", changed!.Spec?.ReservedCpus);
    }

    [Fact]
    public async Task Ready_is_false_with_the_reason_when_qemu_or_discovery_fails()
    {
        var empty = Directory.CreateTempSubdirectory("numaop-empty-sysfs-").FullName;
        try
        {
            await using var fixture = await AgentFixture.StartAsync();
            fixture.StartAgent(Options("no-qemu", RepoPaths.Fixture("sysfs", "laptop-1node"), qemu: "/nonexistent/qemu-system-x86_64"));
            fixture.StartAgent(Options("no-sysfs", empty));

            var noQemu = await fixture.WaitForAsync(() => fixture.TopologyAsync("no-qemu"), t => t?.Status?.Conditions is not null, "no-qemu published");
            var qemuReady = ConditionList.Find(noQemu!.Status!.Conditions, TopologyStatusBuilder.ConditionReady)!;
            Assert.Equal(("False", TopologyStatusBuilder.ReasonQemuUnavailable), (qemuReady.Status, qemuReady.Reason));
            Assert.Contains("/nonexistent/qemu-system-x86_64", qemuReady.Message, StringComparison.Ordinal);
            Assert.Null(noQemu.Status.Qemu);
            Assert.NotEmpty(noQemu.Status.NumaNodes); // discovery still published

            var noSysfs = await fixture.WaitForAsync(() => fixture.TopologyAsync("no-sysfs"), t => t?.Status?.Conditions is not null, "no-sysfs published");
            var sysfsReady = ConditionList.Find(noSysfs!.Status!.Conditions, TopologyStatusBuilder.ConditionReady)!;
            Assert.Equal(("False", TopologyStatusBuilder.ReasonDiscoveryFailed), (sysfsReady.Status, sysfsReady.Reason));
            Assert.Contains(empty, sysfsReady.Message, StringComparison.Ordinal);
            Assert.Empty(noSysfs.Status.NumaNodes);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public async Task Free_hugepages_gauge_reports_every_numa_node_and_page_size()
    {
        using var sysfs = new ScratchSysfs("intel-2s-smt");
        sysfs.Write("sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages", "1234\n");
        var exported = new List<Metric>();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(AgentTelemetry.Name).AddInMemoryExporter(exported).Build()!;
        await using var fixture = await AgentFixture.StartAsync();
        var (agent, _) = fixture.StartAgent(Options("gauge-node", sysfs.Root));
        await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        meters.ForceFlush();
        var points = Points(exported, "numaoperator.node.free_hugepages").Where(p => Tag(p, "node") == "gauge-node").ToList();
        Assert.Equal(4, points.Count); // 2 NUMA nodes × (2Mi, 1Gi)
        var node0 = points.Single(p => Tag(p, "numa_node") == "0" && Tag(p, "page_size") == "2Mi");
        Assert.Equal(1234, node0.GetGaugeLastValueLong());
        Assert.Equal(16384, points.Single(p => Tag(p, "numa_node") == "1" && Tag(p, "page_size") == "2Mi").GetGaugeLastValueLong());
    }

    internal static List<MetricPoint> Points(IEnumerable<Metric> metrics, string name)
    {
        var points = new List<MetricPoint>();
        foreach (var metric in metrics.Where(m => m.Name == name))
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                points.Add(point);
            }
        }

        return points;
    }

    internal static string? Tag(MetricPoint point, string key)
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

    public void Dispose()
    {
        if (Directory.Exists(stateDir))
        {
            Directory.Delete(stateDir, recursive: true);
        }
    }
}
