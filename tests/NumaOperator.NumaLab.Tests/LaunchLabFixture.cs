namespace NumaOperator.NumaLab.Tests;

/// <summary>
/// The lab boot shared by the launch tests: the guest runs tests/numa-lab/launch-bound-and-control.sh, i.e.
/// `numa-operator launch` bound to host node 1 and the same launch with the binding omitted.
/// </summary>
public sealed class LaunchLabFixture() : LabBootFixture("launch-bound-and-control.sh", BootTimeout)
{
    /// <summary>Generous: ~3 min measured on a loaded 2-core TCG host; run.sh kills the guest at this deadline.</summary>
    public static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(7);

    /// <summary>The VM the lab launches: 64 MiB of 2 MiB pages on host node 1.</summary>
    public static string VmFile => Path.Combine(NumaLabRunner.LabDirectory, "lab-vm.yaml");

    public const long VmBytes = 64L * 1024 * 1024;

    public const long PageBytes = 2L * 1024 * 1024;
}
