namespace NumaOperator.Packaging.Tests;

/// <summary>Names stay within 63 characters with their suffix intact, and the image can be pinned by digest.</summary>
public class ChartNamingTests
{
    private static readonly string LongName = new string('x', 70);

    [SkippableTheory]
    [InlineData("fullnameOverride")]
    [InlineData("nameOverride")]
    public void A_long_name_is_truncated_before_the_suffix_so_names_stay_distinct_and_within_63_characters(string value)
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);

        var chart = RenderedChart.Render("--set", $"{value}={LongName}", "--set", "metrics.serviceMonitor.enabled=true");

        foreach (var o in chart.Objects)
        {
            Assert.True(o.Name.Length <= 63, $"{o} is {o.Name.Length} characters long");
            Assert.False(o.Name.EndsWith('-'), $"{o} ends with '-'");
        }

        foreach (var kind in chart.Objects.GroupBy(o => o.Kind))
        {
            var names = kind.Select(o => o.Name).ToList();
            Assert.True(names.Count == names.Distinct(StringComparer.Ordinal).Count(), $"{kind.Key} names collide: {string.Join(", ", names)}");
        }

        string[] suffixes = ["-controller", "-agent", "-controller-leader-election", "-metrics", "-agent-own-node", "-vm-view", "-vm-edit"];
        foreach (var suffix in suffixes)
        {
            Assert.Contains(chart.Objects, o => o.Name.EndsWith(suffix, StringComparison.Ordinal) && o.Name.Length == 63);
        }

        var agent = chart.OfKind("DaemonSet").Single();
        Assert.Equal(agent.Name, agent.Scalar("spec", "template", "spec", "serviceAccountName"));
        var policy = chart.OfKind("ValidatingAdmissionPolicy").Single();
        Assert.Contains($":{agent.Name}\"", Yaml.Scalar(Yaml.Sequence(policy.Root, "spec", "matchConditions")[0], "expression"), StringComparison.Ordinal);
    }

    [SkippableFact]
    public void The_image_is_pulled_by_digest_when_one_is_given()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

        var chart = RenderedChart.Render("--set", "image.repository=registry.example.com/numa-operator", "--set", "image.tag=0.1.0", "--set", "image.digest=" + Digest);

        foreach (var workload in new[] { chart.ControllerDeployment, chart.AgentDaemonSet })
        {
            Assert.Equal("registry.example.com/numa-operator@" + Digest, Yaml.Scalar(Assert.Single(RenderedChart.Containers(workload)), "image"));
        }

        Assert.Equal("ghcr.io/numaoperator/numa-operator:0.1.0", Yaml.Scalar(RenderedChart.Containers(ChartVariants.Render(ChartVariants.Default).ControllerDeployment)[0], "image"));
    }

    [SkippableTheory]
    [InlineData("image.digest=sha256:abc", "/image/digest")]
    [InlineData("image.digest=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "/image/digest")]
    [InlineData("controller.nodeLostAfter=ninety", "/controller/nodeLostAfter")]
    public void Helm_refuses_a_malformed_digest_or_duration(string assignment, string path)
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);

        var result = RenderedChart.Template("--set", assignment);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(path, result.StandardError, StringComparison.Ordinal);
    }
}
