using NumaOperator.Numa.Discovery;
using NumaOperator.Numa.Quantities;
using Xunit;

namespace NumaOperator.Numa.Tests.Discovery;

public sealed class SysfsFormatsTests
{
    private const string P = "/sys/x";

    [Theory]
    [InlineData("0-15,32-47\n", "0-15,32-47")]
    [InlineData("\n", "")]
    [InlineData("7\n", "7")]
    public void Lists_parse_in_cpuset_syntax(string text, string expected) =>
        Assert.Equal(expected, SysfsFormats.ParseList(P, text).ToString());

    [Fact]
    public void Meminfo_gives_the_node_MemTotal_in_bytes()
    {
        const string text = "Node 1 MemTotal:       263921732 kB\nNode 1 MemFree:        1000 kB\n";

        Assert.Equal(263_921_732L * 1024, SysfsFormats.ParseMemTotalBytes(P, text, 1));
    }

    [Fact]
    public void Meminfo_MemTotal_need_not_be_the_first_line() =>
        Assert.Equal(2048, SysfsFormats.ParseMemTotalBytes(P, "Node 3 MemFree: 1 kB\nNode 3 MemTotal: 2 kB\n", 3));

    [Theory]
    [InlineData("10 21\n", 2, new[] { 10, 21 })]
    [InlineData("10  12 12   32\n", 4, new[] { 10, 12, 12, 32 })]
    public void Distances_parse_one_per_online_node(string text, int count, int[] expected) =>
        Assert.Equal(expected, SysfsFormats.ParseDistances(P, text, count));

    [Theory]
    [InlineData("hugepages-2048kB", 2L << 20)]
    [InlineData("hugepages-1048576kB", 1L << 30)]
    [InlineData("hugepages-64kB", 64L << 10)]
    public void Pool_directory_names_give_the_page_size(string name, long bytes) =>
        Assert.Equal(PageSize.HugeOfBytes(bytes), SysfsFormats.ParsePoolDirectoryName(P, name));

    [Theory]
    [InlineData("hugepages-kB")]
    [InlineData("hugepages-0kB")]
    [InlineData("hugepages-2048KB")]
    [InlineData("hugepages-2048")]
    public void Bad_pool_directory_names_are_rejected(string name) =>
        Assert.Throws<TopologyDiscoveryException>(() => SysfsFormats.ParsePoolDirectoryName(P, name));

    [Theory]
    [InlineData("1\n", true)]
    [InlineData("0\n", false)]
    public void Online_flags_parse(string text, bool online) => Assert.Equal(online, SysfsFormats.ParseOnlineFlag(P, text));

    [Theory]
    [InlineData("-1\n", -1)]
    [InlineData("17\n", 17)]
    public void Topology_ids_accept_minus_one_for_unknown(string text, int id) => Assert.Equal(id, SysfsFormats.ParseTopologyId(P, text));

    [Fact]
    public void Long_bad_content_is_shortened_in_the_message()
    {
        var e = Assert.Throws<TopologyDiscoveryException>(() => SysfsFormats.ParseCount(P, new string('x', 500)));

        Assert.True(e.Message.Length < 200, e.Message);
        Assert.StartsWith("/sys/x: expected a non-negative integer, got 'xxx", e.Message, StringComparison.Ordinal);
    }
}
