using System.Diagnostics;

namespace NumaOperator.NumaLab.Tests;

/// <summary>tests/numa-lab/run.sh refuses bad options before it builds or boots anything.</summary>
public sealed class RunScriptTests
{
    [SkippableTheory]
    [InlineData("--bogus", "unknown option '--bogus'")]
    [InlineData("--hugepages|many|--|true", "--hugepages: 'many' is not a page count")]
    [InlineData("--timeout|soon|--|true", "--timeout: 'soon' is not a number of seconds")]
    [InlineData("--env|1X=y|--|true", "--env: '1X=y' is not NAME=VALUE")]
    [InlineData("--script|/nonexistent/guest.sh", "--script: no such file '/nonexistent/guest.sh'")]
    [InlineData("--quiet", "nothing to run")]
    public void Bad_options_exit_3_naming_the_option(string args, string message)
    {
        Skip.If(NumaOperator.Tests.Shared.HostCapabilities.FindOnPath("bash") is null, "bash not found");
        var info = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add(NumaLabRunner.RunScript);
        foreach (var arg in args.Split('|'))
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();

        Assert.Equal(3, process.ExitCode);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }
}
