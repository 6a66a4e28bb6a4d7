using System.Globalization;
using NumaOperator.Qemu.Host;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Qemu.Tests.RealQemu;

/// <summary>
/// Shared by the real-QEMU tests (one collection, so they never race on hugepage counters): a 2 MiB hugetlbfs mount
/// (this host's, or one mounted in a temp dir and unmounted after) and hugepage reservations that only ever ADD pages
/// to host node 0 and take exactly those back.
/// </summary>
public sealed class HugepageHost : IDisposable
{
    public const long PageBytes = 2L << 20;

    private readonly TestHugetlbfs? _mount;

    public HugepageHost()
    {
        Available = HostCapabilities.IsRoot && HostCapabilities.HasQemu && Directory.Exists("/sys/devices/system/node/node0/hugepages/hugepages-2048kB");
        if (!Available)
        {
            return;
        }

        _mount = new TestHugetlbfs(PageBytes);
        MountPoint = _mount.MountPoint;
    }

    public bool Available { get; }

    public static string SkipReason => "needs root, qemu-system-x86_64 and 2 MiB hugepages on host node 0";

    public string MountPoint { get; } = string.Empty;

    public HugepageCounters Counters { get; } = new();

    /// <summary>Adds <paramref name="pages"/> to node 0's pool; the returned handle takes them back.</summary>
    public IDisposable Reserve(long pages)
    {
        var path = Counters.TotalPagesPath(0, PageBytes);
        var before = Counters.TotalPages(0, PageBytes);
        File.WriteAllText(path, (before + pages).ToString(CultureInfo.InvariantCulture));
        var reserved = Counters.TotalPages(0, PageBytes) - before;
        return new Reservation(() =>
        {
            var now = Counters.TotalPages(0, PageBytes);
            File.WriteAllText(path, Math.Max(0, now - reserved).ToString(CultureInfo.InvariantCulture));
        });
    }

    public void Dispose() => _mount?.Dispose();

    private sealed class Reservation(Action release) : IDisposable
    {
        public void Dispose() => release();
    }
}

[CollectionDefinition(Name)]
public sealed class RealQemuTests : ICollectionFixture<HugepageHost>
{
    public const string Name = "real QEMU";
}
