using System.Text.RegularExpressions;
using NumaOperator.Packaging.Tests;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Monitoring.Tests;

/// <summary>
/// The dashboard without a server: every query is PromQL that promtool accepts, and every metric it or the rules
/// name is one docs/monitoring.md lists. Whether each query returns series is LivePrometheusTests' job.
/// </summary>
public sealed partial class DashboardTests : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("numaop-dashboard-").FullName;

    [SkippableFact]
    public void Every_dashboard_query_is_promql_promtool_accepts()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        Skip.If(MonitoringTools.Promtool is null, MonitoringTools.MissingReason);
        var targets = DashboardQueries.Targets(ChartMonitoring.Dashboard());
        Assert.True(targets.Count >= 12, $"{targets.Count} queries");
        // Each query as a recording rule: promtool check rules parses every expression.
        var rules = "groups:\n  - name: dashboard\n    rules:\n" + string.Concat(targets.Select((t, i) =>
            $"      - record: dashboard_query_{i}\n        expr: {System.Text.Json.JsonSerializer.Serialize(t.Expr)}\n"));
        File.WriteAllText(Path.Combine(work, "dashboard.yaml"), rules);

        var output = MonitoringTools.RunPromtool(work, "check", "rules", "dashboard.yaml");

        Assert.Contains($"SUCCESS: {targets.Count} rules found", output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Every_metric_the_dashboard_and_the_rules_name_is_documented_in_monitoring_md()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var dashboard = ChartMonitoring.Dashboard();
        var used = DashboardQueries.Targets(dashboard).Select(t => t.Expr)
            .Concat(DashboardQueries.Variables(dashboard).Select(v => v.Metric))
            .Concat(ChartMonitoring.Alerts(ChartMonitoring.RuleFile()).Values)
            .SelectMany(e => MetricName().Matches(e).Select(m => m.Value))
            .Select(Family)
            .ToHashSet(StringComparer.Ordinal);
        var documented = MetricName().Matches(File.ReadAllText(RepoPaths.Combine("docs", "monitoring.md"))).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

        Assert.Empty(used.Except(documented));
    }

    public void Dispose() => Directory.Delete(work, recursive: true);

    /// <summary>numaoperator_x_seconds_bucket → numaoperator_x_seconds (the docs list histogram families).</summary>
    private static string Family(string name) => Regex.Replace(name, "_(bucket|sum|count)$", string.Empty);

    [GeneratedRegex(@"\bnumaoperator_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
