using System.Diagnostics;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Standalone.Tests;

/// <summary>Bad flags and manifests: exit 2, the flag or file and field named with the allowed values, nothing started.</summary>
public sealed class BadFlagTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("numaop-standalone-bad-").FullName;

    private string DataDir => Path.Combine(dir, "data");

    [Theory]
    [InlineData("--reserve-hugepages", "4Mi:8", "allowed values: 2Mi, 1Gi")]
    [InlineData("--reserve-hugepages", "2Mi", "expected SIZE:COUNT")]
    [InlineData("--reserve-hugepages", "2Mi:lots", "must be a whole number from 1 to 10000000")]
    [InlineData("--listen", "localhost", "expected IP:PORT")]
    [InlineData("--listen", "127.0.0.1:70000", "allowed 0 to 65535")]
    [InlineData("--timeout", "soon", "expected a duration like 30s, 5m, 1h or 1m30s")]
    [InlineData("--node-name", "My_Host", "must be a DNS subdomain")]
    [InlineData("--apply", "/nonexistent/vm.yaml", "no such file or directory")]
    [InlineData("--qemu-user", "0:0", "is not UID:GID (decimal")]
    public async Task A_bad_flag_exits_2_naming_the_flag_and_what_is_allowed(string flag, string value, string expected)
    {
        var result = await CliProcess.RunAsync(TimeSpan.FromMinutes(1), "standalone", "--data-dir", DataDir, flag, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(flag, result.Stderr, StringComparison.Ordinal);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(DataDir), "bad input must change nothing");
    }

    [Theory]
    [InlineData("cores: 0", "spec.cpu.cores: Invalid value: 0: must be between 1 and 1024")]
    [InlineData("corez: 2", "unknown field \"corez\"")]
    [InlineData("cores: 2\n    dedicated: maybe", "spec.cpu.dedicated")]
    public async Task A_bad_manifest_exits_2_naming_the_file_and_the_field(string cpu, string expected)
    {
        var manifest = Path.Combine(dir, "bad.yaml");
        await File.WriteAllTextAsync(manifest, $"""
            apiVersion: numaoperator.io/v1alpha1
            kind: NumaVirtualMachine
            metadata:
              name: bad
            spec:
              cpu:
                {cpu}
              memory:
                size: 64Mi
            """);
        var result = await CliProcess.RunAsync(TimeSpan.FromMinutes(1), "standalone", "--data-dir", DataDir, "--apply", manifest);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(manifest, result.Stderr, StringComparison.Ordinal);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(DataDir), "bad input must change nothing");
    }

    [SkippableFact]
    public async Task Without_root_reserve_hugepages_exits_2_with_the_commands_to_run()
    {
        Skip.IfNot(HostCapabilities.IsRoot && File.Exists("/usr/bin/setpriv"), "needs root (to drop to nobody with setpriv)");
        Skip.IfNot(Directory.Exists("/sys/devices/system/node/node0/hugepages/hugepages-2048kB"), "needs 2 MiB hugepages on host node 0");

        // The CLI as user nobody: it can read the build output but not write sysfs.
        var start = ChildProcess.Start("/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=/tmp", "DOTNET_CLI_HOME=/tmp", .. CliUnderTest.Command, "standalone", "--data-dir", DataDir, "--reserve-hugepages", "2Mi:1000000"]);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        _ = await stdout;
        Skip.If(stderr.Contains("Permission denied", StringComparison.Ordinal) || stderr.Contains("cannot access", StringComparison.Ordinal), "user nobody cannot read the build output here: " + stderr);
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("--reserve-hugepages needs root", stderr, StringComparison.Ordinal);
        Assert.Matches(@"echo \d+ \| sudo tee /sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages", stderr);
        Assert.False(Directory.Exists(DataDir), "bad input must change nothing");
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
