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

    [SkippableFact]
    public void Timeout_kills_the_guest_exits_124_and_removes_the_work_dir()
    {
        var missing = NumaLabRunner.MissingPrerequisite();
        Skip.If(missing is not null, missing);
        var work = Directory.CreateTempSubdirectory("numalab-timeout.");
        try
        {
            var serialLog = Path.Combine(work.FullName, "serial.log");
            var before = Directory.GetDirectories("/tmp", "numa-lab.*").ToHashSet();
            var info = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { NumaLabRunner.RunScript, "--quiet", "--timeout", "2", "--serial-log", serialLog, "--", "true" })
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "run.sh did not end after its 2 s timeout");

            Assert.Equal(124, process.ExitCode);
            Assert.Contains("timeout after 2s", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(ProcessCommandLines(), c => c.Contains("mount_tag=hostroot", StringComparison.Ordinal) && c.Contains(serialLog, StringComparison.Ordinal));
            Assert.Empty(Directory.GetDirectories("/tmp", "numa-lab.*").Except(before));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Every live process's command line (the outer QEMU is found by its serial log path).</summary>
    private static IEnumerable<string> ProcessCommandLines()
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _))
            {
                continue;
            }

            string text;
            try
            {
                text = File.ReadAllText(Path.Combine(dir, "cmdline"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // ended meanwhile
            }

            yield return text.Replace('\0', ' ');
        }
    }
}
