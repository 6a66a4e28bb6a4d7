using System.Text.Json.Nodes;
using NumaOperator.Packaging.Tests;
using NumaOperator.Tests.Shared;
using YamlDotNet.RepresentationModel;

namespace NumaOperator.Monitoring.Tests;

/// <summary>
/// The chart's monitoring objects as `helm template` renders them (the one source of the rule text and the
/// dashboard): the PrometheusRule's groups as a plain Prometheus rule file, the dashboard ConfigMap's JSON.
/// </summary>
public static class ChartMonitoring
{
    public const string RuleTemplate = "templates/prometheusrule.yaml";
    public const string DashboardTemplate = "templates/grafana-dashboard.yaml";

    public static string ChartDirectory => RepoPaths.Combine("charts", "numa-operator");

    /// <summary>The six alerts the chart ships, in rule order.</summary>
    public static IReadOnlyList<string> AlertNames { get; } =
    [
        "NumaOperatorVmNotNumaAligned", "NumaOperatorNumastatStale", "NumaOperatorHugepagesLow",
        "NumaOperatorVmUnschedulable", "NumaOperatorAgentDown", "NumaOperatorVmRestartLoop",
    ];

    /// <summary>`helm template` (release numa, namespace numa-system); fails the test with helm's output.</summary>
    public static string Template(params string[] arguments)
    {
        var helm = HelmBinary.Path ?? throw new InvalidOperationException(HelmBinary.MissingReason);
        var result = ToolRun.Run(helm, ["template", "numa", ChartDirectory, "--namespace", "numa-system", .. arguments], TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, $"helm template {string.Join(' ', arguments)}: {result.Describe()}");
        return result.StandardOutput;
    }

    /// <summary>The PrometheusRule's spec (its groups) as a Prometheus rule file; <paramref name="values"/> are --set assignments.</summary>
    public static string RuleFile(params string[] values)
    {
        var rendered = Template([RuleSwitch, .. values.SelectMany(v => new[] { "--set", v }), "--show-only", RuleTemplate]);
        var stream = new YamlStream();
        stream.Load(new StringReader(rendered));
        var rule = (YamlMappingNode)stream.Documents.Single().RootNode;
        Assert.Equal("PrometheusRule", ((YamlScalarNode)rule["kind"]).Value);
        using var text = new StringWriter();
        new YamlStream(new YamlDocument(rule["spec"])).Save(text, assignAnchors: false);
        return text.ToString();
    }

    /// <summary>Every alert of a rule file: name → expression.</summary>
    public static IReadOnlyDictionary<string, string> Alerts(string ruleFile)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(ruleFile));
        var groups = (YamlSequenceNode)((YamlMappingNode)stream.Documents[0].RootNode)["groups"];
        return groups.Children.Cast<YamlMappingNode>()
            .SelectMany(g => ((YamlSequenceNode)g["rules"]).Children.Cast<YamlMappingNode>())
            .Where(r => r.Children.ContainsKey("alert"))
            .ToDictionary(r => ((YamlScalarNode)r["alert"]).Value!, r => ((YamlScalarNode)r["expr"]).Value!);
    }

    /// <summary>The dashboard JSON the ConfigMap carries.</summary>
    public static JsonObject Dashboard()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Template("--set", "metrics.dashboard.enabled=true", "--show-only", DashboardTemplate)));
        var data = (YamlMappingNode)((YamlMappingNode)stream.Documents.Single().RootNode)["data"];
        return JsonNode.Parse(((YamlScalarNode)data["numa-operator.json"]).Value!)!.AsObject();
    }

    private const string RuleSwitch = "--set=metrics.prometheusRule.enabled=true";
}
