using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NumaOperator.Monitoring.Tests;

/// <summary>The PromQL a Grafana dashboard runs: panel targets and label_values() variables, with Grafana's variables filled in.</summary>
public static partial class DashboardQueries
{
    /// <summary>What `$__rate_interval` becomes outside Grafana: four scrapes of a 15 s interval.</summary>
    public const string RateInterval = "1m";

    /// <summary>Panel title and expression of every target, variables substituted.</summary>
    public static IReadOnlyList<(string Panel, string Expr)> Targets(JsonObject dashboard)
    {
        ArgumentNullException.ThrowIfNull(dashboard);
        var all = Variables(dashboard).ToDictionary(v => v.Name, v => v.AllValue);
        return [.. Panels(dashboard)
            .SelectMany(p => (p["targets"]?.AsArray() ?? []).Select(t => (Panel: p["title"]!.GetValue<string>(), Expr: t!["expr"]!.GetValue<string>())))
            .Select(t => (t.Panel, Substitute(t.Expr, all)))];
    }

    /// <summary>Query variables: name, the metric and label of their label_values(), and the regex "All" stands for.</summary>
    public static IReadOnlyList<(string Name, string Metric, string Label, string AllValue)> Variables(JsonObject dashboard)
    {
        ArgumentNullException.ThrowIfNull(dashboard);
        return [.. dashboard["templating"]!["list"]!.AsArray()
            .Where(v => v!["type"]!.GetValue<string>() == "query")
            .Select(v =>
            {
                var query = v!["query"] is JsonObject q ? q["query"]!.GetValue<string>() : v["query"]!.GetValue<string>();
                var match = LabelValues().Match(query);
                Assert.True(match.Success, $"variable {v["name"]}: {query} is not label_values(metric, label)");
                return (v["name"]!.GetValue<string>(), match.Groups["metric"].Value, match.Groups["label"].Value, v["allValue"]?.GetValue<string>() ?? ".*");
            })];
    }

    private static IEnumerable<JsonObject> Panels(JsonObject dashboard) =>
        dashboard["panels"]!.AsArray().OfType<JsonObject>()
            .SelectMany(p => p["type"]!.GetValue<string>() == "row" ? (p["panels"]?.AsArray().OfType<JsonObject>() ?? []) : [p]);

    private static string Substitute(string expr, Dictionary<string, string> allValues) =>
        Variable().Replace(expr.Replace("$__rate_interval", RateInterval, StringComparison.Ordinal), m =>
            allValues.TryGetValue(m.Groups["name"].Value, out var all) ? all : throw new InvalidOperationException($"unknown dashboard variable {m.Value} in {expr}"));

    [GeneratedRegex(@"^label_values\((?<metric>[a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*(?<label>[a-zA-Z_][a-zA-Z0-9_]*)\)$")]
    private static partial Regex LabelValues();

    [GeneratedRegex(@"\$\{?(?<name>[a-zA-Z_][a-zA-Z0-9_]*)\}?")]
    private static partial Regex Variable();
}
