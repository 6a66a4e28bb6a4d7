using NumaOperator.Tests.Shared;

namespace NumaOperator.NumaLab.Tests;

/// <summary>
/// ONE boot of the NUMA lab for the standalone tests: the guest runs tests/numa-lab/standalone-bound-and-control.sh,
/// i.e. `numa-operator standalone` (API server, controller and agent) with a VM placed on host node 1, once bound and
/// once with the binding omitted. Started on first use, so a host without the prerequisites skips instead of booting.
/// </summary>
public sealed class StandaloneLabFixture
{
    /// <summary>Generous: three .NET components start under TCG inside the guest (464 s measured at load 20 on 2 cores).</summary>
    public static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(11);

    private readonly Lazy<string?> missing = new(NumaLabRunner.MissingPrerequisite);
    private readonly Lazy<Task<LabRun>> run;

    public StandaloneLabFixture()
    {
        run = new Lazy<Task<LabRun>>(() => NumaLabRunner.RunAsync(new LabRequest(
            Path.Combine(NumaLabRunner.LabDirectory, "standalone-bound-and-control.sh"),
            [LaunchLabFixture.VmFile],
            new Dictionary<string, string> { ["NUMALAB_CLI"] = NumaLabRunner.GuestPath(RepoPaths.CliDll) },
            BootTimeout)));
    }

    public string? MissingPrerequisite => missing.Value;

    public Task<LabRun> RunAsync() => run.Value;
}
