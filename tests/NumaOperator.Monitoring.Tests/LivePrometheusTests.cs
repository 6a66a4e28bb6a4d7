using System.Text.Json.Nodes;
using NumaOperator.Agent.Runtime;
using NumaOperator.Agent.Tests;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Packaging.Tests;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Monitoring.Tests;

/// <summary>
/// A real Prometheus (Debian's package) scrapes a running agent pair and controller on loopback while real QEMU VMs
/// run: every dashboard query and every alert expression returns series (no typo'd metric, no label mismatch), and a
/// VM launched without its memory binding (the seed bug) makes NumaOperatorVmNotNumaAligned fire — for it alone.
/// </summary>
[Collection(RealQemuGroup.Name)]
public sealed class LivePrometheusTests(QemuHost host)
{
    private const long PagesPerVm = 32; // 64Mi of 2Mi pages

    /// <summary>Thresholds at which every alert's expression holds on a healthy test cluster: the expressions must return series.</summary>
    private static readonly string[] HairTrigger =
    [
        "metrics.prometheusRule.numastatStaleSeconds=1", "metrics.prometheusRule.hugepagesFreeBelowPercent=100",
        "metrics.prometheusRule.unschedulableSeconds=0", "metrics.prometheusRule.agentHeartbeatSeconds=1",
        "metrics.prometheusRule.restartsIn15m=1",
    ];

    [SkippableFact]
    public async Task Prometheus_gets_series_for_every_dashboard_query_and_alert_and_fires_not_aligned_for_the_unbound_vm_only()
    {
        Skip.IfNot(host.Available, QemuHost.SkipReason);
        Skip.If(MonitoringTools.Prometheus is null, MonitoringTools.MissingReason);
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        using var pages = host.Reserve((2 * PagesPerVm) + 32);
        await using var cluster = await MonitoredCluster.StartAsync();
        // The shipped rules with their default thresholds; only the not-aligned window is shortened to 5 s.
        await using var prometheus = await PrometheusServer.StartAsync(
            ChartMonitoring.RuleFile("metrics.prometheusRule.notAlignedFor=5s"),
            [("numa-operator-agent", cluster.AgentMetricsPort), ("numa-operator-controller", cluster.ControllerMetricsPort)]);

        await RunVmsAsync(cluster, prometheus);

        await EveryDashboardQueryReturnsSeriesAsync(prometheus);
        await EveryAlertExpressionReturnsSeriesAsync(prometheus);
        await NotAlignedFiresForTheUnboundVmAloneAsync(prometheus);
    }

    /// <summary>One VM per node (bound and unbound), one that fits nowhere, and one restart (spec.running toggled).</summary>
    private static async Task RunVmsAsync(MonitoredCluster cluster, PrometheusServer prometheus)
    {
        await cluster.CreateVmAsync("aligned", MonitoredCluster.BoundNode);
        await cluster.CreateVmAsync("unbound", MonitoredCluster.UnboundNode);
        await cluster.CreateVmAsync("waiting", MonitoredCluster.BoundNode, size: "64Gi");
        await cluster.WaitForAsync("aligned", v => ConditionList.IsTrue(v?.Status?.Conditions, AgentConditions.Ready), "Ready");
        await cluster.WaitForAsync("unbound", v => ConditionList.Find(v?.Status?.Conditions, AgentConditions.NumaAligned) is { Status: "False" }, "measured not aligned");
        await cluster.WaitForAsync("waiting", v => ConditionList.Find(v?.Status?.Conditions, "Scheduled")?.Reason == "Unschedulable", "Unschedulable");

        // The restart counter's series exists at 0 in Prometheus before the restart, so the restart is an increase.
        await Eventually.UntilAsync(() => prometheus.QueryAsync("""numaoperator_vm_restarts_total{name="aligned"} == 0"""), r => r.Count == 1, TimeSpan.FromSeconds(30), "restart series at 0", context: () => prometheus.Log);
        await cluster.SetRunningAsync("aligned", false);
        await cluster.WaitForAsync("aligned", v => v?.Status?.Phase == AgentConditions.PhaseStopped, "Stopped");
        await cluster.SetRunningAsync("aligned", true);
        await cluster.WaitForAsync("aligned", v => ConditionList.IsTrue(v?.Status?.Conditions, AgentConditions.Ready), "Ready again");
    }

    private static async Task EveryDashboardQueryReturnsSeriesAsync(PrometheusServer prometheus)
    {
        var dashboard = ChartMonitoring.Dashboard();
        foreach (var (name, metric, label, _) in DashboardQueries.Variables(dashboard))
        {
            await ReturnsSeriesAsync(prometheus, $"count by ({label}) ({metric})", $"variable {name}");
        }

        foreach (var (panel, expr) in DashboardQueries.Targets(dashboard))
        {
            await ReturnsSeriesAsync(prometheus, expr, $"panel \"{panel}\"");
        }
    }

    private static async Task EveryAlertExpressionReturnsSeriesAsync(PrometheusServer prometheus)
    {
        var alerts = ChartMonitoring.Alerts(ChartMonitoring.RuleFile(HairTrigger));
        Assert.Equal(ChartMonitoring.AlertNames, alerts.Keys);
        foreach (var (alert, expr) in alerts)
        {
            await ReturnsSeriesAsync(prometheus, expr, $"alert {alert} at hair-trigger thresholds");
        }
    }

    private static async Task NotAlignedFiresForTheUnboundVmAloneAsync(PrometheusServer prometheus)
    {
        var firing = await Eventually.UntilAsync(
            () => prometheus.QueryAsync("""ALERTS{alertname="NumaOperatorVmNotNumaAligned",alertstate="firing"}"""),
            r => r.Count > 0,
            TimeSpan.FromSeconds(60),
            "NumaOperatorVmNotNumaAligned firing", context: () => prometheus.Log);
        var labels = Assert.Single(firing)!["metric"]!;
        Assert.Equal(("unbound", MonitoredCluster.UnboundNode, "Unbound", "critical"), (Label(labels, "name"), Label(labels, "node"), Label(labels, "reason"), Label(labels, "severity")));
        Assert.Single(await prometheus.QueryAsync("""numaoperator_vm_numa_aligned{name="aligned"} == 1"""));

        // With the default thresholds nothing else is wrong with this cluster, and every rule evaluates cleanly.
        await Eventually.ConsistentlyAsync(
            () => prometheus.QueryAsync("""ALERTS{alertstate="firing"}"""),
            r => r.Count == 1 && Label(r[0]!["metric"]!, "name") == "unbound",
            TimeSpan.FromSeconds(3),
            "only the unbound VM's alert fires");
        var rules = (await prometheus.RuleGroupsAsync()).SelectMany(g => g!["rules"]!.AsArray()).ToList();
        Assert.Equal(ChartMonitoring.AlertNames.Count, rules.Count);
        Assert.All(rules, r => Assert.True(r!["health"]!.GetValue<string>() == "ok", $"{r["name"]}: {r["lastError"]}"));
    }

    private static Task<JsonArray> ReturnsSeriesAsync(PrometheusServer prometheus, string expr, string what) =>
        Eventually.UntilAsync(() => prometheus.QueryAsync(expr), r => r.Count > 0, TimeSpan.FromSeconds(60), $"{what}: {expr} returns series", context: () => prometheus.Log);

    private static string? Label(JsonNode metric, string name) => metric[name]?.GetValue<string>();
}
