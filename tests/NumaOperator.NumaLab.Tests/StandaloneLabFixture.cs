namespace NumaOperator.NumaLab.Tests;

/// <summary>
/// The lab boot for the standalone tests: the guest runs tests/numa-lab/standalone-bound-and-control.sh, i.e.
/// `numa-operator standalone` (API server, controller and agent) with a VM placed on host node 1, once bound and once
/// with the binding omitted.
/// </summary>
public sealed class StandaloneLabFixture() : LabBootFixture("standalone-bound-and-control.sh", BootTimeout, [LaunchLabFixture.VmFile])
{
    /// <summary>Generous: three .NET components start under TCG inside the guest (464 s measured at load 20 on 2 cores).</summary>
    public static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(11);
}
