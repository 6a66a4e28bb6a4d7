using NumaOperator.Qemu.Host;

namespace NumaOperator.Tests.Shared;

/// <summary>
/// A hugetlbfs mount of one page size for real-QEMU tests: this host's when it has one, else one mounted in a temp dir
/// and unmounted on dispose. Compiled into test projects that set SharedTestQemu.
/// </summary>
public sealed class TestHugetlbfs : IDisposable
{
    private readonly string? mountedByUs;

    /// <summary>Finds or mounts a hugetlbfs of <paramref name="pageBytes"/> (needs root to mount).</summary>
    public TestHugetlbfs(long pageBytes)
    {
        var existing = HugetlbfsMounts.ForPageSize(HugetlbfsMounts.Discover(), pageBytes);
        if (existing is not null)
        {
            MountPoint = existing.MountPoint;
            return;
        }

        mountedByUs = Directory.CreateTempSubdirectory("numaop-hugetlbfs-").FullName;
        ChildProcess.Check("mount", "-t", "hugetlbfs", "-o", $"pagesize={pageBytes >> 20}M", "none", mountedByUs);
        MountPoint = mountedByUs;
    }

    public string MountPoint { get; }

    public void Dispose()
    {
        if (mountedByUs is null)
        {
            return;
        }

        try
        {
            ChildProcess.Check("umount", mountedByUs);
        }
        catch (InvalidOperationException)
        {
            // Busy: another test process on this machine found the mount and holds a file on it; detach now,
            // the kernel frees it when that file is closed.
            ChildProcess.Check("umount", "-l", mountedByUs);
        }

        Directory.Delete(mountedByUs);
    }
}
