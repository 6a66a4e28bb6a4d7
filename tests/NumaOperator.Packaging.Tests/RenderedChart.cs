using System.Collections.Concurrent;
using System.Globalization;
using NumaOperator.Tests.Shared;
using YamlDotNet.RepresentationModel;

namespace NumaOperator.Packaging.Tests;

/// <summary>The objects `helm template` renders from charts/numa-operator for one set of values.</summary>
public sealed class RenderedChart(IReadOnlyList<Manifest> objects)
{
    public const string ReleaseName = "numa";
    public const string Namespace = "numa-system";

    private static readonly ConcurrentDictionary<string, Lazy<ToolResult>> Cache = new(StringComparer.Ordinal);

    public static string ChartDirectory => RepoPaths.Combine("charts", "numa-operator");

    public IReadOnlyList<Manifest> Objects { get; } = objects;

    public IEnumerable<Manifest> OfKind(string kind) => Objects.Where(o => o.Kind == kind);

    public Manifest Get(string kind, string name) =>
        Objects.SingleOrDefault(o => o.Kind == kind && o.Name == name)
        ?? throw new InvalidOperationException($"no {kind}/{name} among: {string.Join(", ", Objects)}");

    public Manifest ControllerDeployment => Get("Deployment", $"{ReleaseName}-numa-operator-controller");

    public Manifest AgentDaemonSet => Get("DaemonSet", $"{ReleaseName}-numa-operator-agent");

    /// <summary>`helm template` with extra arguments (e.g. "--set", "vap.enabled=false"); cached per argument list.</summary>
    public static ToolResult Template(params string[] extraArguments)
    {
        var helm = HelmBinary.Path ?? throw new InvalidOperationException(HelmBinary.MissingReason);
        string[] arguments = ["template", ReleaseName, ChartDirectory, "--namespace", Namespace, .. extraArguments];
        var key = string.Join('\u0001', arguments);
        return Cache.GetOrAdd(key, _ => new Lazy<ToolResult>(() => ToolRun.Run(helm, arguments, TimeSpan.FromMinutes(1)))).Value;
    }

    /// <summary>Renders and parses; fails the test with helm's output when rendering fails.</summary>
    public static RenderedChart Render(params string[] extraArguments)
    {
        var result = Template(extraArguments);
        Assert.True(result.ExitCode == 0, $"helm template {string.Join(' ', extraArguments)} failed: {result.Describe()}");
        return Parse(result.StandardOutput);
    }

    public static RenderedChart Parse(string yaml)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(yaml))
        {
            stream.Load(reader);
        }

        var objects = stream.Documents
            .Select(d => d.RootNode)
            .OfType<YamlMappingNode>()
            .Select(m => new Manifest(m))
            .ToList();
        return new RenderedChart(objects);
    }

    /// <summary>Every container (init or not) of a workload's pod template.</summary>
    public static IReadOnlyList<YamlMappingNode> Containers(Manifest workload) =>
        Yaml.Sequence(workload.Root, "spec", "template", "spec", "containers")
            .Concat(Yaml.Sequence(workload.Root, "spec", "template", "spec", "initContainers"))
            .OfType<YamlMappingNode>()
            .ToList();

    /// <summary>Environment variables of a container with literal values (valueFrom ones map to "").</summary>
    public static IReadOnlyDictionary<string, string> Environment(YamlMappingNode container) =>
        Yaml.Sequence(container, "env")
            .OfType<YamlMappingNode>()
            .ToDictionary(
                e => Yaml.Scalar(e, "name") ?? string.Empty,
                e => Yaml.Scalar(e, "value") ?? string.Empty,
                StringComparer.Ordinal);

    public static int Number(YamlNode node, params string[] path) =>
        int.Parse(Yaml.Scalar(node, path) ?? throw new InvalidOperationException($"missing {string.Join('.', path)}"), CultureInfo.InvariantCulture);
}
