using Xunit.Abstractions;

namespace NumaOperator.NumaLab.Tests;

/// <summary>
/// The lab boot shared by the launch tests (one collection, so one boot): the guest runs
/// tests/numa-lab/launch-bound-and-control.sh, i.e. `numa-operator launch` bound to host node 1 and the same launch
/// with the binding omitted, the spanning VM as placed, swapped and wide, and the 1 GiB-page VM on node 1.
/// </summary>
public sealed class LaunchLabFixture() : LabBootFixture(
    "launch-bound-and-control.sh",
    BootTimeout,
    [VmFile, SpanningVmFile, GiganticVmFile],
    ["--node-memory", "2G", "--gigantic-pages", "1"])
{
    /// <summary>Generous: ~3 min measured for the two single-node launches on a loaded 2-core TCG host, ~1 min per further launch.</summary>
    public static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(15);

    /// <summary>The VM the lab launches: 64 MiB of 2 MiB pages on host node 1.</summary>
    public static string VmFile => Path.Combine(NumaLabRunner.LabDirectory, "lab-vm.yaml");

    /// <summary>Two guest nodes on host nodes 0 and 1: 32 + 32 pages of 2 MiB.</summary>
    public static string SpanningVmFile => Path.Combine(NumaLabRunner.LabDirectory, "lab-vm-spanning.yaml");

    /// <summary>One 1 GiB page on host node 1.</summary>
    public static string GiganticVmFile => Path.Combine(NumaLabRunner.LabDirectory, "lab-vm-1g.yaml");

    public const long VmBytes = 64L * 1024 * 1024;

    public const long PageBytes = 2L * 1024 * 1024;

    /// <summary>The boot (started on first use) and the named command's result; skips where the lab cannot run.</summary>
    public async Task<(LabSerialLog Log, LabCommandResult Result)> CommandAsync(string name, ITestOutputHelper output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Skip.If(MissingPrerequisite is not null, MissingPrerequisite);
        var run = await RunAsync();
        output.WriteLine($"lab boot: run.sh exit {run.ExitCode} after {run.Elapsed.TotalSeconds:0} s");
        var log = run.SerialLog;
        var context = $"run.sh exit {run.ExitCode}, messages:\n{run.RunnerMessages}\nserial log:\n{run.SerialLogText}";
        Assert.True(log.BootLine is not null, "the lab guest did not boot: " + context);
        Assert.Empty(log.Errors);
        Assert.Contains("nodes=0-1", log.BootLine, StringComparison.Ordinal);
        Assert.Equal([0, 1], log.Nodes.Select(n => n.Id));
        Assert.True(log.Commands.TryGetValue(name, out var result), $"no result for '{name}': " + context);
        output.WriteLine($"--- {name}: exit {result.ExitCode}\n{result.Stdout}\n--- stderr\n{result.Stderr}");
        return (log, result);
    }
}

/// <summary>The launch tests share one lab boot.</summary>
[CollectionDefinition(Name)]
public sealed class LaunchLab : ICollectionFixture<LaunchLabFixture>
{
    public const string Name = "launch lab";
}
