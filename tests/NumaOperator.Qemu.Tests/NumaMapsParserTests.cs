using NumaOperator.Qemu.Measurement;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Qemu.Tests;

/// <summary>The numa_maps parser and guest-RAM measurement on samples captured from real QEMU 7.2 runs on the test machine.</summary>
public sealed class NumaMapsParserTests
{
    private const long Mi = 1L << 20;

    [Fact]
    public void Hugetlbfs_backend_line_gives_policy_file_huge_and_bytes()
    {
        var m = NumaMapsParser.ParseLine(@"7f537fe00000 bind:1 file=/dev/hugepages/qemu_back_mem.mem0.uZX3Zm\040(deleted) huge dirty=32 N0=2 N1=30 kernelpagesize_kB=2048");
        Assert.Equal(0x7f537fe00000UL, m.Address);
        Assert.Equal("bind", m.PolicyMode);
        Assert.Equal([1], m.PolicyNodes);
        Assert.True(m.IsHuge);
        Assert.Equal("/dev/hugepages/qemu_back_mem.mem0.uZX3Zm (deleted)", m.File);
        Assert.Equal(2 * 2 * Mi, m.BytesByNode[0]);
        Assert.Equal(30 * 2 * Mi, m.BytesByNode[1]);
        Assert.Equal(64 * Mi, m.Bytes);
    }

    [Fact]
    public void Anonymous_line_counts_base_pages()
    {
        var m = NumaMapsParser.ParseLine("7f1aefe00000 prefer:2 anon=16384 dirty=16384 active=0 N0=100 N2=16284 kernelpagesize_kB=4");
        Assert.Null(m.File);
        Assert.False(m.IsHuge);
        Assert.Equal("prefer", m.PolicyMode);
        Assert.Equal(16284 * 4096L, m.BytesByNode[2]);
        Assert.Equal(64 * Mi, m.Bytes);
    }

    [Fact]
    public void Malformed_counts_are_rejected_with_the_line()
    {
        var e = Assert.Throws<FormatException>(() => NumaMapsParser.Parse("7f00 default N0=12\n7f01 default N1=x kernelpagesize_kB=4\n"));
        Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => NumaMapsParser.ParseLine("zz default"));
    }

    [Theory]
    [InlineData("hugetlbfs-bind0", true, 2L << 20, "bind:0", true)]
    [InlineData("hugetlbfs-preferred0", true, 2L << 20, "prefer:0", true)]
    [InlineData("hugetlbfs-nobinding", true, 2L << 20, "default", false)]
    [InlineData("plainfile-bind0", true, 2L << 20, "bind:0", false)]
    [InlineData("ram-bind0", false, 4096L, "bind:0", true)]
    [InlineData("ram-nobinding", false, 4096L, "default", false)]
    public void Real_samples_find_the_one_backend_of_64_mib(string sample, bool huge, long pageBytes, string policy, bool aligned)
    {
        var mount = sample.StartsWith("plainfile", StringComparison.Ordinal) ? "/tmp/qtry/plain" : "/tmp/qtry/hp";
        var policyMode = policy.Split(':')[0] == "prefer" ? Numa.Placement.NumaPolicy.Preferred : Numa.Placement.NumaPolicy.Strict;
        var layout = new GuestRamLayout(pageBytes, huge, huge ? mount : null, [new GuestRamBackend(0, 0, 64 * Mi)], policyMode);
        var measurement = GuestMemoryMeasurer.Measure(Read(sample + ".numa_maps"), Read(sample + ".maps"), layout);
        var mapping = Assert.Single(measurement.GuestRamMappings);
        Assert.Equal(policy, mapping.Policy);
        Assert.Equal(64 * Mi, measurement.GuestRamBytes);
        Assert.Equal(64 * Mi, measurement.GuestRamBytesByNode[0]);
        Assert.True(measurement.ProcessBytesByNode[0] > measurement.GuestRamBytes); // QEMU's own code and heap too
        Assert.Equal("1.000", measurement.LocalRatioText);
        Assert.Equal(aligned, NumaVerdict.Judge(measurement).Aligned);
    }

    [Fact]
    public void Plain_file_behind_a_hugetlbfs_path_is_a_wrong_page_size_failure()
    {
        var layout = new GuestRamLayout(2L << 20, true, "/tmp/qtry/plain", [new GuestRamBackend(0, 0, 64 * Mi)]);
        var verdict = NumaVerdict.Judge(GuestMemoryMeasurer.Measure(Read("plainfile-bind0.numa_maps"), Read("plainfile-bind0.maps"), layout));
        Assert.False(verdict.Aligned);
        Assert.Equal(NumaVerdict.ReasonWrongPageSize, verdict.Reason);
        Assert.Contains("kernelpagesize_kB=4", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Thirty_gib_on_node_zero_when_placed_on_node_one_is_the_seed_bug_with_numbers()
    {
        const string numaMaps = "7f0000000000 default file=/dev/hugepages/qemu_back_mem.mem0.abc\\040(deleted) huge dirty=15360 N0=15360 kernelpagesize_kB=2048\n"
            + "55d000000000 default file=/usr/bin/qemu-system-x86_64 mapped=100 N0=100 kernelpagesize_kB=4\n";
        const string maps = "7f0000000000-7f0780000000 rw-s 00000000 00:26 1 /dev/hugepages/qemu_back_mem.mem0.abc (deleted)\n"
            + "55d000000000-55d000064000 r--p 00000000 fe:00 2 /usr/bin/qemu-system-x86_64\n";
        var layout = new GuestRamLayout(2L << 20, true, "/dev/hugepages", [new GuestRamBackend(0, 1, 30L << 30)]);
        var measurement = GuestMemoryMeasurer.Measure(numaMaps, maps, layout);
        var verdict = NumaVerdict.Judge(measurement);
        Assert.False(verdict.Aligned);
        Assert.Equal(NumaVerdict.ReasonRemoteMemory, verdict.Reason);
        Assert.StartsWith("not aligned: guest node 0: 30.0 GiB on host node 0, placed on node 1 (localRatio 0.000", verdict.Message, StringComparison.Ordinal);
        Assert.Equal(0, measurement.LocalRatio);
    }

    [Fact]
    public void Missing_backend_is_reported()
    {
        var layout = new GuestRamLayout(4096, false, null, [new GuestRamBackend(0, 0, 128 * Mi)]);
        var verdict = NumaVerdict.Judge(GuestMemoryMeasurer.Measure(Read("ram-bind0.numa_maps"), Read("ram-bind0.maps"), layout));
        Assert.Equal(NumaVerdict.ReasonBackendsMissing, verdict.Reason);
    }

    internal static string Read(string sample) => File.ReadAllText(RepoPaths.Combine("tests", "NumaOperator.Qemu.Tests", "Samples", sample));
}
