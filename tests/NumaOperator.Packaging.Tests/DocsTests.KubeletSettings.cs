using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace NumaOperator.Packaging.Tests;

/// <summary>docs/install.md's kubelet settings for VM hosts agree with the agent's reservedCpus and the chart's taint.</summary>
public partial class DocsTests
{
    [Fact]
    public void Install_doc_kubelet_reserves_the_same_cpus_as_the_topology_and_the_host_is_tainted_as_the_agent_tolerates()
    {
        var kubelet = Load(KubeletConfiguration().Match(Install).Groups["yaml"].Value);
        string Setting(string key) => ((YamlScalarNode)kubelet.Children[new YamlScalarNode(key)]).Value!;
        Assert.Equal("KubeletConfiguration", Setting("kind"));
        Assert.Equal(ReservedCpusPatch().Match(Install).Groups["cpus"].Value, Setting("reservedSystemCPUs"));
        Assert.Equal(("none", "None", "none"), (Setting("cpuManagerPolicy"), Setting("memoryManagerPolicy"), Setting("topologyManagerPolicy")));

        var values = Load(File.ReadAllText(Path.Combine(RenderedChart.ChartDirectory, "values.yaml")));
        var agent = (YamlMappingNode)values.Children[new YamlScalarNode("agent")];
        var toleration = (YamlMappingNode)((YamlSequenceNode)agent.Children[new YamlScalarNode("tolerations")]).Children.Single();
        var key = ((YamlScalarNode)toleration.Children[new YamlScalarNode("key")]).Value;
        var effect = ((YamlScalarNode)toleration.Children[new YamlScalarNode("effect")]).Value;
        Assert.Contains($"kubectl taint node worker-7 {key}=true:{effect}", Install, StringComparison.Ordinal);
    }

    private static YamlMappingNode Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    [GeneratedRegex("```yaml\\n(?<yaml>(?:#[^\\n]*\\n)?apiVersion: kubelet\\.config\\.k8s\\.io/v1beta1\\n.*?)```", RegexOptions.Singleline)]
    private static partial Regex KubeletConfiguration();

    [GeneratedRegex("kubectl patch nnt worker-7 --type merge -p '\\{\"spec\":\\{\"reservedCpus\":\"(?<cpus>[^\"]+)\"\\}\\}'")]
    private static partial Regex ReservedCpusPatch();
}
