using NumaOperator.Tests.Shared;

namespace NumaOperator.NumaLab.Tests;

/// <summary>
/// ONE boot of the NUMA lab shared by the launch tests (each boot costs tens of seconds under TCG): the guest runs
/// tests/numa-lab/launch-bound-and-control.sh, i.e. `numa-operator launch` bound to host node 1 and the same launch
/// with the binding omitted. Started on first use, so a host without the prerequisites skips instead of booting.
/// </summary>
public sealed class LaunchLabFixture
{
    /// <summary>Generous: ~3 min measured on a loaded 2-core TCG host; run.sh kills the guest at this deadline.</summary>
    public static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(7);

    private readonly Lazy<string?> missing = new(NumaLabRunner.MissingPrerequisite);
    private readonly Lazy<Task<LabRun>> run;

    public LaunchLabFixture()
    {
        run = new Lazy<Task<LabRun>>(() => NumaLabRunner.RunAsync(new LabRequest(
            Path.Combine(NumaLabRunner.LabDirectory, "launch-bound-and-control.sh"),
            [VmFile],
            new Dictionary<string, string> { ["NUMALAB_CLI"] = NumaLabRunner.GuestPath(RepoPaths.CliDll) },
            BootTimeout)));
    }

    /// <summary>The VM the lab launches: 64 MiB of 2 MiB pages on host node 1.</summary>
    public static string VmFile => Path.Combine(NumaLabRunner.LabDirectory, "lab-vm.yaml");

    public const long VmBytes = 64L * 1024 * 1024;

    public const long PageBytes = 2L * 1024 * 1024;

    /// <summary>Null when the lab can run here, else the reason to skip (printed by the test runner).</summary>
    public string? MissingPrerequisite => missing.Value;

    public Task<LabRun> RunAsync() => run.Value;
}
