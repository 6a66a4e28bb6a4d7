using NumaOperator.Tests.Shared;

namespace NumaOperator.NumaLab.Tests;

/// <summary>
/// The lab boot for issue 21's NUMA-lab proof: tests/numa-lab/standalone-migrate.sh runs `numa-operator standalone`
/// with the test Linux guest counting, nested, bound to host node 0; moves it live to node 1; then asks a VM too big
/// for node 1's free pages to move there. 96 free 2 MiB pages per guest node.
/// </summary>
public sealed class MigrationLabFixture() : LabBootFixture(
    "standalone-migrate.sh",
    BootTimeout,
    [],
    ["--hugepages", "96"],
    () => new Dictionary<string, string> { ["NUMALAB_GUEST_DIR"] = NumaLabRunner.GuestPath(TestGuest.Files.Directory) })
{
    /// <summary>Standalone's start under TCG (~200 s at load 25), the nested guest's boot, the move, the refusal.</summary>
    public static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(20);

    public const long CountingVmBytes = 128L << 20;
}
