using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Preflight;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Qemu.Tests.RealQemu;

/// <summary>Every pre-flight failure is a clear error and starts nothing (no pid file, no QEMU with the VM's uuid).</summary>
[Collection(RealQemuTests.Name)]
public sealed class PreflightTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("numaop-preflight-").FullName;
    private readonly HugepageHost _host;

    public PreflightTests(HugepageHost host) => _host = host;

    private VmStatePaths State => new(Path.Combine(_dir, "state"));

    [SkippableFact]
    public void No_hugetlbfs_mount_for_the_page_size()
    {
        Skip.IfNot(HostCapabilities.HasQemu, "needs qemu-system-x86_64");
        var e = Assert.Throws<PreflightException>(() => LaunchPreflight.Check(Placement(PageSize.Huge2Mi, 64L << 20), State, Host([], FakeSysfs(1000))));
        Assert.False(e.IsBadInput);
        Assert.Contains("no hugetlbfs is mounted with pagesize=2M", e.Message, StringComparison.Ordinal);
        Assert.False(e.IsHugepageShortage);
        Assert.False(Directory.Exists(State.Directory));
    }

    [SkippableFact]
    public void Not_enough_free_pages_on_the_bound_node()
    {
        Skip.IfNot(HostCapabilities.HasQemu, "needs qemu-system-x86_64");
        var e = Assert.Throws<PreflightException>(() => LaunchPreflight.Check(Placement(PageSize.Huge2Mi, 64L << 20), State, Host([new HugetlbfsMount("/dev/hugepages", 2L << 20)], FakeSysfs(3))));
        Assert.False(e.IsBadInput);
        Assert.Contains("host NUMA node 0 has 3 free 2Mi hugepages, guest node 0 needs 32", e.Message, StringComparison.Ordinal);
        Assert.True(e.IsHugepageShortage); // the agent's InsufficientHugepages: the controller places the VM again
    }

    [SkippableFact]
    public void Not_enough_free_pages_on_this_host()
    {
        Skip.IfNot(_host.Available, HugepageHost.SkipReason);
        var free = _host.Counters.FreePages(0, HugepageHost.PageBytes);
        var placement = Placement(PageSize.Huge2Mi, (free + 1) * HugepageHost.PageBytes);
        var e = Assert.Throws<PreflightException>(() => LaunchPreflight.Check(placement, State, TestQemu.PreflightHost([new HugetlbfsMount(_host.MountPoint, HugepageHost.PageBytes)])));
        Assert.Contains($"needs {free + 1}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Size_not_a_multiple_of_the_page_size_is_bad_input()
    {
        var e = Assert.Throws<PreflightException>(() => LaunchPreflight.Check(Placement(PageSize.Huge2Mi, 3L << 20), State, Host([], FakeSysfs(1000))));
        Assert.True(e.IsBadInput);
        Assert.Contains("not a whole number of 2Mi pages", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_qemu_binary()
    {
        var missing = Path.Combine(_dir, "no-qemu");
        var (capabilities, problem) = await PreflightHost.ProbeAsync(new NumaOperator.Qemu.Capabilities.QemuProbeOptions { QemuPath = missing, WorkDirectory = _dir }, CancellationToken.None);
        var host = Host([new HugetlbfsMount("/dev/hugepages", 2L << 20)], FakeSysfs(1000)) with { QemuPath = missing, Capabilities = capabilities, QemuProblem = problem };
        var e = Assert.Throws<PreflightException>(() => LaunchPreflight.Check(Placement(PageSize.Normal, 64L << 20), State, host));
        Assert.False(e.IsBadInput);
        Assert.Contains("QEMU binary not found at " + Path.Combine(_dir, "no-qemu"), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Boot_files_outside_the_image_root_are_bad_input()
    {
        var images = Directory.CreateDirectory(Path.Combine(_dir, "images")).FullName;
        File.WriteAllText(Path.Combine(_dir, "shadow"), "x");
        File.CreateSymbolicLink(Path.Combine(images, "vmlinuz"), Path.Combine(_dir, "shadow"));
        var root = new ImageRoot(images);
        var symlink = Assert.Throws<PreflightException>(() => LaunchPreflight.ResolveBoot(new BootFiles { Kernel = "vmlinuz" }, root));
        Assert.True(symlink.IsBadInput);
        Assert.Contains("spec.boot.kernel: \"vmlinuz\" resolves to " + Path.Combine(_dir, "shadow") + ", outside the image root", symlink.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<PreflightException>(() => LaunchPreflight.ResolveBoot(new BootFiles { Kernel = "k", Initrd = "../shadow" }, root));
        Assert.True(missing.IsBadInput);
    }

    [Fact]
    public void Too_long_state_dir_for_a_unix_socket_is_bad_input()
    {
        var longState = new VmStatePaths("/" + new string('d', 120));
        var e = Assert.Throws<PreflightException>(() => LaunchPreflight.Check(Placement(PageSize.Normal, 64L << 20), longState, Host([], FakeSysfs(0))));
        Assert.True(e.IsBadInput);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static VmPlacement Placement(PageSize pageSize, long bytes) =>
        new("local", pageSize, [new GuestNodePlacement(0, 0, CpuSet.Of(0), CpuSet.Empty, bytes)]);

    private static PreflightHost Host(IReadOnlyList<HugetlbfsMount> mounts, string sysfsRoot) =>
        TestQemu.PreflightHost(mounts) with { Counters = new HugepageCounters(sysfsRoot) };

    /// <summary>A sysfs tree whose node 0 has <paramref name="free"/> free 2 MiB pages.</summary>
    private string FakeSysfs(long free)
    {
        var root = Path.Combine(_dir, "sysfs-" + free);
        var pool = Directory.CreateDirectory(Path.Combine(root, "sys/devices/system/node/node0/hugepages/hugepages-2048kB")).FullName;
        File.WriteAllText(Path.Combine(pool, "free_hugepages"), free + "\n");
        File.WriteAllText(Path.Combine(pool, "nr_hugepages"), free + "\n");
        return root;
    }
}
