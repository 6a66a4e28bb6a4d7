using System.Text.RegularExpressions;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Packaging.Tests;

/// <summary>
/// The chart's kubeVersion is the true floor (what the CRDs need), and at the floor `helm template --kube-version`
/// renders only APIs that Kubernetes release serves: the admission policy (1.30) is left out there.
/// </summary>
public partial class ChartKubernetesVersionTests
{
    public const int FloorMinor = 29;

    [Fact]
    public void Chart_kube_version_is_the_crd_floor_the_api_docs_name()
    {
        var chart = File.ReadAllText(Path.Combine(RenderedChart.ChartDirectory, "Chart.yaml"));
        var api = File.ReadAllText(RepoPaths.Combine("docs", "api.md"));

        Assert.Matches($@"(?m)^kubeVersion: "">=1\.{FloorMinor}\.0-0""$", chart);
        Assert.Contains($"The CRDs need Kubernetes 1.{FloorMinor} or later", api, StringComparison.Ordinal);
    }

    public static TheoryData<string, int> VariantsAtVersions()
    {
        var data = new TheoryData<string, int>();
        foreach (var variant in ChartVariants.All)
        {
            foreach (var minor in new[] { FloorMinor, 30, 33 })
            {
                data.Add(variant, minor);
            }
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(VariantsAtVersions))]
    public void Helm_template_at_a_kubernetes_version_renders_only_apis_that_version_serves(string variant, int minor)
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);

        var chart = RenderedChart.Render([.. ChartVariants.Arguments(variant), "--kube-version", $"1.{minor}.0"]);

        var problems = chart.Objects
            .Select(o => KubernetesApiAvailability.WhyNotServed(o.Scalar("apiVersion") ?? "?", o.Kind, minor))
            .OfType<string>()
            .ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [SkippableTheory]
    [InlineData(FloorMinor, false)]
    [InlineData(30, true)]
    public void The_admission_policy_is_rendered_from_kubernetes_1_30_and_notes_say_when_it_is_not(int minor, bool rendered)
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);

        var chart = RenderedChart.Render("--kube-version", $"1.{minor}.0");

        Assert.Equal(rendered, chart.OfKind("ValidatingAdmissionPolicy").Any());
        Assert.Equal(rendered, chart.OfKind("ValidatingAdmissionPolicyBinding").Any());
    }

    [SkippableFact]
    public void Below_the_floor_helm_refuses_the_chart()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);

        var result = RenderedChart.Template("--kube-version", $"1.{FloorMinor - 1}.9");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches(IncompatibleVersion(), result.StandardError);
    }

    [GeneratedRegex(@"chart requires kubeVersion: >=1\.29\.0-0 which is incompatible with Kubernetes v1\.28\.9")]
    private static partial Regex IncompatibleVersion();
}
