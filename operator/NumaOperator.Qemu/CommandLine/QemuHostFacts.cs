using NumaOperator.Qemu.Host;

namespace NumaOperator.Qemu.CommandLine;

/// <summary>What the argv builder needs to know about this host, probed once by the caller (no I/O in the builder).</summary>
/// <param name="QemuVersion">From "qemu-system-x86_64 -version".</param>
/// <param name="HugetlbfsMounts">Mounted hugetlbfs file systems, statfs-confirmed, with their page size.</param>
public sealed record QemuHostFacts(Version QemuVersion, IReadOnlyList<HugetlbfsMount> HugetlbfsMounts)
{
    /// <summary>thread-context objects exist from QEMU 7.2.</summary>
    public static Version ThreadContextMinimum { get; } = new(7, 2);

    /// <summary>
    /// QEMU 7.2 creates the thread-context thread before -daemonize forks, so the daemon has no such thread and
    /// prealloc waits on it forever (observed here with Debian's 7.2.22: hung with 1 of 64 pages touched). We always
    /// daemonize, so thread contexts are used only from a version assumed to create objects after the fork;
    /// 8.2 is a conservative, unverified gate (no newer QEMU on the test machines).
    /// </summary>
    public static Version ThreadContextWithDaemonizeMinimum { get; } = new(8, 2);

    public bool UseThreadContext => QemuVersion >= ThreadContextWithDaemonizeMinimum;

    /// <summary>
    /// "-run-with user=" exists from QEMU 9.1, which deprecates -runas (docs/about/deprecated.rst, "-runas (since 9.1)");
    /// older QEMU (Debian 12's 7.2) has only -runas, which takes the same "UID:GID".
    /// </summary>
    public static Version RunWithUserMinimum { get; } = new(9, 1);

    public bool UseRunWithUser => QemuVersion >= RunWithUserMinimum;
}
