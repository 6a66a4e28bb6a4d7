using System.Text.RegularExpressions;
using NumaOperator.Tests.Shared;
using YamlDotNet.RepresentationModel;

namespace NumaOperator.Packaging.Tests;

/// <summary>docs/install.md, docs/gitops.md and the chart's README cover what operators hit first.</summary>
public partial class DocsTests
{
    private static string Install => File.ReadAllText(RepoPaths.Combine("docs", "install.md"));

    private static string Gitops => File.ReadAllText(RepoPaths.Combine("docs", "gitops.md"));

    [Theory]
    [InlineData("cannot bind memory to host NUMA nodes: Operation not permitted")]
    [InlineData("nr_hugepages")]
    [InlineData("/dev/kvm")]
    [InlineData("helm upgrade")]
    [InlineData("--force-conflicts")]
    [InlineData("helm uninstall")]
    [InlineData("vap.enabled=false")]
    public void Install_doc_covers(string text) => Assert.Contains(text, Install, StringComparison.Ordinal);

    [Theory]
    [InlineData("kind: Application")]
    [InlineData("kind: HelmRelease")]
    [InlineData("kind: Kustomization")]
    [InlineData("resource.customizations.health.numaoperator.io_NumaVirtualMachine")]
    public void Gitops_doc_covers(string text) => Assert.Contains(text, Gitops, StringComparison.Ordinal);

    [Fact]
    public void Install_doc_host_path_table_marks_sys_read_only_and_lists_hugetlbfs()
    {
        var documented = DocumentedHostPaths.Read();

        Assert.Contains("/sys", documented.Keys);
        Assert.True(documented["/sys"], "/sys must be documented read-only");
        Assert.Contains("/dev/hugepages", documented.Keys);
    }

    [Fact]
    public void Install_steps_label_the_namespace_privileged_before_helm_install()
    {
        var install = Install[Install.IndexOf("## Install", StringComparison.Ordinal)..];
        install = install[..install.IndexOf("\n## ", 3, StringComparison.Ordinal)];
        var label = install.IndexOf("kubectl label namespace numa-system pod-security.kubernetes.io/enforce=privileged", StringComparison.Ordinal);

        Assert.True(label >= 0, "the Install section does not label the namespace for privileged pods");
        Assert.True(label < install.IndexOf("helm install", StringComparison.Ordinal), "the namespace label must come before helm install");
    }

    /// <summary>Every value in values.yaml is in the chart README's table (itself, or a parent of at least two segments).</summary>
    [Fact]
    public void Chart_readme_documents_every_value()
    {
        var readme = CodeBlock().Replace(File.ReadAllText(Path.Combine(RenderedChart.ChartDirectory, "README.md")), string.Empty);
        var documented = Backticked().Matches(readme).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var values = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(Path.Combine(RenderedChart.ChartDirectory, "values.yaml"))))
        {
            values.Load(reader);
        }

        var missing = Leaves((YamlMappingNode)values.Documents[0].RootNode, [])
            .Where(path => !Enumerable.Range(Math.Min(2, path.Count), path.Count - Math.Min(2, path.Count) + 1)
                .Any(n => documented.Contains(string.Join('.', path.Take(n)))))
            .Select(path => string.Join('.', path))
            .ToList();
        Assert.True(missing.Count == 0, "charts/numa-operator/README.md does not document: " + string.Join(", ", missing));
    }

    private static IEnumerable<List<string>> Leaves(YamlMappingNode map, List<string> prefix)
    {
        foreach (var (key, value) in map.Children)
        {
            var path = new List<string>(prefix) { ((YamlScalarNode)key).Value! };
            if (value is YamlMappingNode { Children.Count: > 0 } child)
            {
                foreach (var leaf in Leaves(child, path))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return path;
            }
        }
    }

    [GeneratedRegex("`([^`\n]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex("^```.*?^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex CodeBlock();
}
