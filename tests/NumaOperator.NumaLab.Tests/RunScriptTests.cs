using System.Diagnostics;

namespace NumaOperator.NumaLab.Tests;

/// <summary>tests/numa-lab/run.sh refuses bad options before it builds or boots anything.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RunScriptTests
{
    [SkippableTheory]
    [InlineData("--bogus", "unknown option '--bogus'")]
    [InlineData("--hugepages|many|--|true", "--hugepages: 'many' is not a page count")]
    [InlineData("--timeout|soon|--|true", "--timeout: 'soon' is not a number of seconds")]
    [InlineData("--env|1X=y|--|true", "--env: '1X=y' is not NAME=VALUE")]
    [InlineData("--script|/nonexistent/guest.sh", "--script: no such file '/nonexistent/guest.sh'")]
    [InlineData("--quiet", "nothing to run")]
    [InlineData("--accel|fast|--|true", "--accel: 'fast' is not auto, kvm or tcg")]
    [InlineData("--kvm-boot-timeout|soon|--|true", "--kvm-boot-timeout: 'soon' is not a number of seconds")]
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
    public void A_kvm_that_hangs_the_kernel_is_left_after_the_boot_probe_for_tcg_instead_of_waiting_out_the_timeout()
    {
        var missing = NumaLabRunner.MissingPrerequisite();
        Skip.If(missing is not null, missing);
        var work = Directory.CreateTempSubdirectory("numalab-kvmhang.");
        try
        {
            // A qemu-system-x86_64 first on PATH that hangs under -accel kvm (as nested KVM does after "Probing EDD") and
            // is the real QEMU otherwise; a plain file stands in for /dev/kvm.
            var fake = Path.Combine(work.FullName, "qemu-system-x86_64");
            var real = NumaOperator.Tests.Shared.HostCapabilities.FindOnPath("qemu-system-x86_64")!;
            File.WriteAllText(fake, $$"""
                #!/bin/bash
                for a in "$@"; do [ "$a" = kvm ] && { echo kvm >> '{{work.FullName}}/kvm-tries'; exec sleep 600; }; done
                exec '{{real}}' "$@"

                """);
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var device = Path.Combine(work.FullName, "kvm");
            File.WriteAllText(device, string.Empty);

            var info = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { NumaLabRunner.RunScript, "--quiet", "--accel", "auto", "--kvm-boot-timeout", "5", "--timeout", "15", "--serial-log", Path.Combine(work.FullName, "serial.log"), "--", "true" })
            {
                info.ArgumentList.Add(arg);
            }

            info.Environment["PATH"] = work.FullName + ":" + Environment.GetEnvironmentVariable("PATH");
            info.Environment["NUMALAB_KVM_DEVICE"] = device;
            info.Environment.Remove("NUMAOPERATOR_FORCE_TCG");
            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(90)), "run.sh did not end");

            Assert.Contains("(-accel kvm;", stderr, StringComparison.Ordinal);
            Assert.Contains("no NUMALAB-INIT within 5s (seen on nested KVM); falling back to TCG", stderr, StringComparison.Ordinal);
            Assert.Contains("(-accel tcg;", stderr, StringComparison.Ordinal);
            Assert.Single(File.ReadAllLines(Path.Combine(work.FullName, "kvm-tries")));
            Assert.DoesNotContain(ProcessCommandLines(), c => c.Contains(work.FullName, StringComparison.Ordinal) && c.Contains("sleep", StringComparison.Ordinal));
        }
        finally
        {
            work.Delete(recursive: true);
        }
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
