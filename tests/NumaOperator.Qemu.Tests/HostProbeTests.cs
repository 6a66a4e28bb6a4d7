using NumaOperator.Qemu.Host;

namespace NumaOperator.Qemu.Tests;

public sealed class HostProbeTests
{
    [Fact]
    public void Hugetlbfs_mounts_come_from_proc_mounts_with_their_page_size()
    {
        const string mounts = "proc /proc proc rw,relatime 0 0\n"
            + "hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n"
            + "none /mnt/huge\\0401G hugetlbfs rw,relatime,pagesize=1024M 0 0\n"
            + "none /mnt/default hugetlbfs rw,relatime 0 0\n"
            + "tmpfs /dev/hugepages-fake tmpfs rw,pagesize=2M 0 0\n";
        var parsed = HugetlbfsMounts.Parse(mounts, 2L << 20);
        Assert.Equal(
            [new HugetlbfsMount("/dev/hugepages", 2L << 20), new HugetlbfsMount("/mnt/huge 1G", 1L << 30), new HugetlbfsMount("/mnt/default", 2L << 20)],
            parsed);
        Assert.Equal("/mnt/huge 1G", HugetlbfsMounts.ForPageSize(parsed, 1L << 30)!.MountPoint);
        Assert.Null(HugetlbfsMounts.ForPageSize(parsed, 16L << 30));
    }

    [Fact]
    public void A_plain_directory_is_not_hugetlbfs()
    {
        Assert.False(HugetlbfsMounts.IsHugetlbfs(Path.GetTempPath()));
        Assert.False(HugetlbfsMounts.IsHugetlbfs("/no/such/dir"));
    }

    [Theory]
    [InlineData("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright", "7.2.22")]
    [InlineData("QEMU emulator version 9.0.0\n", "9.0.0")]
    [InlineData("QEMU emulator version 8.2\n", "8.2.0")]
    public void Qemu_version_is_parsed(string output, string expected) => Assert.Equal(Version.Parse(expected), QemuBinary.ParseVersion(output));

    [Fact]
    public void No_version_line_is_null() => Assert.Null(QemuBinary.ParseVersion("bash: qemu: not found"));
}
