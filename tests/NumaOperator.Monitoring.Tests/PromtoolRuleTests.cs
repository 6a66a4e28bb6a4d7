using NumaOperator.Packaging.Tests;
using NumaOperator.Tests.Shared;
using YamlDotNet.RepresentationModel;

namespace NumaOperator.Monitoring.Tests;

/// <summary>
/// The chart's alert rules, rendered by helm with the default values, through Debian's promtool: `check rules`, and
/// `test rules` with one unit-test file per alert (RuleTests/ALERT.yaml) holding a case where it fires and one where
/// it does not. Each alert links its runbook in docs/runbooks.
/// </summary>
public sealed class PromtoolRuleTests : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("numaop-rules-").FullName;

    private static readonly string[] Severities = ["critical", "warning"];
    private static readonly string[] RunbookSections = ["## Meaning", "## Confirm", "## What to do"];

    public static TheoryData<string> Alerts => [.. ChartMonitoring.AlertNames];

    private static string UnitTests => RepoPaths.Combine("tests", "NumaOperator.Monitoring.Tests", "RuleTests");

    [SkippableFact]
    public void Shipped_rules_pass_promtool_check_rules()
    {
        SkipWithoutTools();
        File.WriteAllText(Path.Combine(work, "rules.yaml"), ChartMonitoring.RuleFile());

        var output = MonitoringTools.RunPromtool(work, "check", "rules", "rules.yaml");

        Assert.Contains($"SUCCESS: {ChartMonitoring.AlertNames.Count} rules found", output, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(Alerts))]
    public void Alert_fires_and_stays_quiet_as_its_promtool_unit_test_says(string alert)
    {
        SkipWithoutTools();
        var unitTest = Path.Combine(UnitTests, alert + ".yaml");
        var cases = Yaml(File.ReadAllText(unitTest))["tests"].AllNodes.OfType<YamlMappingNode>()
            .Where(n => n.Children.ContainsKey("alertname") && ((YamlScalarNode)n["alertname"]).Value == alert)
            .Select(n => ((YamlSequenceNode)n["exp_alerts"]).Children.Count)
            .ToList();
        Assert.Contains(0, cases); // a case where it must not fire
        Assert.Contains(cases, count => count > 0); // and one where it must
        File.WriteAllText(Path.Combine(work, "rules.yaml"), ChartMonitoring.RuleFile());
        File.Copy(unitTest, Path.Combine(work, "test.yaml"));

        var output = MonitoringTools.RunPromtool(work, "test", "rules", "test.yaml");

        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Every_alert_has_a_unit_test_file_and_every_file_names_an_alert()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var rendered = ChartMonitoring.Alerts(ChartMonitoring.RuleFile());

        Assert.Equal(ChartMonitoring.AlertNames, rendered.Keys);
        Assert.Equal(ChartMonitoring.AlertNames.Order(), Directory.GetFiles(UnitTests, "*.yaml").Select(Path.GetFileNameWithoutExtension).Order());
    }

    [SkippableTheory]
    [MemberData(nameof(Alerts))]
    public void Alert_links_its_runbook_which_says_what_it_means_how_to_confirm_with_explain_and_what_to_do(string alert)
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var rule = Yaml(ChartMonitoring.RuleFile())["groups"].AllNodes.OfType<YamlMappingNode>()
            .Single(n => n.Children.ContainsKey("alert") && ((YamlScalarNode)n["alert"]).Value == alert);
        var annotations = (YamlMappingNode)rule["annotations"];
        Assert.Equal(
            $"https://github.com/numaoperator/numa-operator/blob/main/docs/runbooks/{alert}.md",
            ((YamlScalarNode)annotations["runbook_url"]).Value);
        Assert.Contains(((YamlScalarNode)((YamlMappingNode)rule["labels"])["severity"]).Value, Severities);
        Assert.NotEmpty(((YamlScalarNode)annotations["summary"]).Value!);
        Assert.NotEmpty(((YamlScalarNode)annotations["description"]).Value!);

        var runbook = File.ReadAllText(RepoPaths.Combine("docs", "runbooks", alert + ".md"));
        Assert.StartsWith($"# {alert}", runbook, StringComparison.Ordinal);
        foreach (var section in RunbookSections)
        {
            Assert.Contains(section, runbook, StringComparison.Ordinal);
        }

        Assert.Contains("numa-operator explain", runbook, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Thresholds_are_values_and_the_schema_refuses_bad_ones()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var tuned = ChartMonitoring.Alerts(ChartMonitoring.RuleFile("metrics.prometheusRule.hugepagesFreeBelowPercent=25", "metrics.prometheusRule.unschedulableSeconds=60"));
        Assert.Contains("< 25", tuned["NumaOperatorHugepagesLow"], StringComparison.Ordinal);
        Assert.EndsWith("> 60", tuned["NumaOperatorVmUnschedulable"].Trim(), StringComparison.Ordinal);

        foreach (var (assignment, path) in new[]
        {
            ("metrics.prometheusRule.notAlignedFor=soon", "/metrics/prometheusRule/notAlignedFor"),
            ("metrics.prometheusRule.hugepagesFreeBelowPercent=150", "/metrics/prometheusRule/hugepagesFreeBelowPercent"),
            ("metrics.prometheusRule.restartsIn15m=0", "/metrics/prometheusRule/restartsIn15m"),
            ("metrics.prometheusRule.runbookBaseUrl=docs/runbooks", "/metrics/prometheusRule/runbookBaseUrl"),
            ("metrics.dashboard.label=x", "additional properties 'label' not allowed"),
        })
        {
            var result = ToolRun.Run(HelmBinary.Path!, ["template", "numa", ChartMonitoring.ChartDirectory, "--set", assignment], TimeSpan.FromMinutes(1));
            Assert.True(result.ExitCode != 0, $"{assignment} was accepted");
            Assert.Contains(path, result.StandardError, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public void Rules_and_dashboard_are_off_by_default_and_the_dashboard_carries_the_sidecar_label()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var defaults = ChartMonitoring.Template();
        Assert.DoesNotContain("kind: PrometheusRule", defaults, StringComparison.Ordinal);
        Assert.DoesNotContain("grafana_dashboard", defaults, StringComparison.Ordinal);

        var stream = new YamlStream();
        stream.Load(new StringReader(ChartMonitoring.Template(
            "--set", "metrics.dashboard.enabled=true", "--set", "metrics.dashboard.namespace=monitoring",
            "--set", "metrics.dashboard.annotations.grafana_folder=NUMA", "--show-only", ChartMonitoring.DashboardTemplate)));
        var metadata = (YamlMappingNode)((YamlMappingNode)stream.Documents.Single().RootNode)["metadata"];
        Assert.Equal("monitoring", ((YamlScalarNode)metadata["namespace"]).Value);
        Assert.Equal("1", ((YamlScalarNode)((YamlMappingNode)metadata["labels"])["grafana_dashboard"]).Value);
        Assert.Equal("NUMA", ((YamlScalarNode)((YamlMappingNode)metadata["annotations"])["grafana_folder"]).Value);
        var source = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(ChartMonitoring.ChartDirectory, "dashboards", "numa-operator.json")));
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(source, ChartMonitoring.Dashboard()), "the ConfigMap carries dashboards/numa-operator.json unchanged");

        var lint = ToolRun.Run(HelmBinary.Path!, ["lint", "--strict", ChartMonitoring.ChartDirectory, "--set", "metrics.prometheusRule.enabled=true", "--set", "metrics.dashboard.enabled=true"], TimeSpan.FromMinutes(1));
        Assert.True(lint.ExitCode == 0, lint.Describe());
    }

    public void Dispose() => Directory.Delete(work, recursive: true);

    private static void SkipWithoutTools()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        Skip.If(MonitoringTools.Promtool is null, MonitoringTools.MissingReason);
    }

    private static YamlMappingNode Yaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
