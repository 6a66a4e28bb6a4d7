using NumaOperator.Packaging.Tests;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Monitoring.Tests;

/// <summary>Debian's prometheus package: the promtool and prometheus binaries (tests/run.sh installs it when missing).</summary>
public static class MonitoringTools
{
    public static string? Promtool => HostCapabilities.FindOnPath("promtool");

    public static string? Prometheus => HostCapabilities.FindOnPath("prometheus");

    public const string MissingReason = "promtool/prometheus not found: apt-get install prometheus (tests/run.sh does)";

    /// <summary>Runs promtool in <paramref name="directory"/>; fails the test with its output unless it exits 0.</summary>
    public static string RunPromtool(string directory, params string[] arguments)
    {
        var result = ToolRun.Run(Promtool ?? throw new InvalidOperationException(MissingReason), arguments, TimeSpan.FromMinutes(1), directory);
        Assert.True(result.ExitCode == 0, $"promtool {string.Join(' ', arguments)}: {result.Describe()}");
        return result.StandardOutput + result.StandardError;
    }
}
