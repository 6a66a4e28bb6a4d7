namespace NumaOperator.Packaging.Tests;

/// <summary>`helm lint --strict` (the real helm v4) accepts the chart with every value set the tests use.</summary>
public class ChartLintTests
{
    [SkippableTheory]
    [MemberData(nameof(ChartVariants.Names), MemberType = typeof(ChartVariants))]
    public void Lint_strict_passes(string variant)
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);

        var result = ToolRun.Run(
            HelmBinary.Path!,
            ["lint", "--strict", RenderedChart.ChartDirectory, .. ChartVariants.Arguments(variant)],
            TimeSpan.FromMinutes(1));

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Contains("0 chart(s) failed", result.StandardOutput, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Helm_is_version_4()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);

        var result = ToolRun.Run(HelmBinary.Path!, ["version", "--template", "{{.Version}}"], TimeSpan.FromSeconds(30));

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("v4.", result.StandardOutput.Trim(), StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData(ChartVariants.Default, true)]
    [InlineData(ChartVariants.VapOff, false)]
    public void Notes_say_how_the_crds_follow_the_release(string variant, bool mentionsPolicy)
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);

        // --dry-run=client renders NOTES.txt (helm template does not) without contacting a cluster.
        var result = ToolRun.Run(
            HelmBinary.Path!,
            ["install", RenderedChart.ReleaseName, RenderedChart.ChartDirectory, "--namespace", RenderedChart.Namespace, "--dry-run=client", .. ChartVariants.Arguments(variant)],
            TimeSpan.FromMinutes(1));

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Contains("NOTES:", result.StandardOutput, StringComparison.Ordinal);
        var notes = result.StandardOutput[result.StandardOutput.IndexOf("NOTES:", StringComparison.Ordinal)..];
        Assert.Contains("`helm upgrade` updates them", notes, StringComparison.Ordinal);
        Assert.Contains("`helm uninstall` keeps", notes, StringComparison.Ordinal);
        Assert.Equal(mentionsPolicy, notes.Contains("ValidatingAdmissionPolicy", StringComparison.Ordinal));
    }
}
