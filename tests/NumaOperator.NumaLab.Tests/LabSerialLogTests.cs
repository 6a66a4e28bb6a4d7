namespace NumaOperator.NumaLab.Tests;

/// <summary>The marker parser the lab tests rely on, on a serial log shaped like a real one (CRLF, kernel lines).</summary>
public sealed class LabSerialLogTests
{
    private const string Sample =
        "SeaBIOS (version 1.16.2-debian-1.16.2-1)\r\n" +
        "NUMALAB-BOOTED kernel=6.1.0-56-amd64 cpus=2 nodes=0-1\r\n" +
        "NUMALAB-NODE 0 cpus=0 hugepages-2048kB total=64 free=64\r\n" +
        "NUMALAB-NODE 1 cpus=1 hugepages-2048kB total=64 free=63\r\n" +
        "NUMALAB-VALUE free-before-bound node0=64 node1=64\r\n" +
        "NUMALAB-OUTPUT-BEGIN bound\r\n" +
        "{\r\n  \"aligned\": true\r\n}\r\n" +
        "NUMALAB-RESULT looks-like-a-marker-but-is-output exit=9\r\n" +
        "\r\n" +
        "NUMALAB-OUTPUT-END bound\r\n" +
        "NUMALAB-STDERR-BEGIN bound\r\n" +
        "warning: something\r\n" +
        "NUMALAB-STDERR-END bound\r\n" +
        "NUMALAB-RESULT bound exit=1\r\n" +
        "NUMALAB-ERROR cannot mount hugetlbfs\r\n" +
        "NUMALAB-DONE rc=1\r\n" +
        "[    7.302939] reboot: Power down";

    [Fact]
    public void Parses_boot_facts_nodes_values_and_done()
    {
        var log = LabSerialLog.Parse(Sample);

        Assert.Equal("kernel=6.1.0-56-amd64 cpus=2 nodes=0-1", log.BootLine);
        Assert.Equal([new LabGuestNode(0, "0", 64, 64), new LabGuestNode(1, "1", 64, 63)], log.Nodes);
        Assert.Equal("node0=64 node1=64", log.Values["free-before-bound"]);
        Assert.Equal(["cannot mount hugetlbfs"], log.Errors);
        Assert.Equal(1, log.DoneExitCode);
    }

    [Fact]
    public void Command_output_is_taken_verbatim_between_its_markers()
    {
        var bound = LabSerialLog.Parse(Sample).Commands["bound"];

        Assert.Equal("{\n  \"aligned\": true\n}\nNUMALAB-RESULT looks-like-a-marker-but-is-output exit=9", bound.Stdout);
        Assert.Equal("warning: something", bound.Stderr);
        Assert.Equal(1, bound.ExitCode);
        Assert.Single(LabSerialLog.Parse(Sample).Commands);
    }

    [Fact]
    public void A_log_that_stops_early_has_no_done_and_no_result()
    {
        var log = LabSerialLog.Parse("NUMALAB-BOOTED kernel=x cpus=2 nodes=0-1\nNUMALAB-OUTPUT-BEGIN bound\n{ half");

        Assert.Null(log.DoneExitCode);
        Assert.Empty(log.Commands);
    }

    [Theory]
    [InlineData("NUMALAB-RESULT bound exit=x")]
    [InlineData("NUMALAB-RESULT bound")]
    [InlineData("NUMALAB-NODE 0 cpus=0 total=64")]
    public void Malformed_marker_lines_are_refused_with_the_line(string line)
    {
        var e = Assert.Throws<FormatException>(() => LabSerialLog.Parse(line));

        Assert.Contains(line, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Node_counts_parse_and_refuse_garbage()
    {
        Assert.Equal(new Dictionary<int, int> { [0] = 64, [1] = 32 }, LabSerialLog.ParseNodeCounts("node0=64 node1=32"));
        Assert.Throws<FormatException>(() => LabSerialLog.ParseNodeCounts("node0=64 cpu1=2"));
    }

    [Theory]
    [InlineData("/work/main/artifacts/x.dll", "/work/main/artifacts/x.dll")]
    [InlineData("/tmp/clone/artifacts/x.dll", "/run/numalab/host-tmp/clone/artifacts/x.dll")]
    [InlineData("/tmpfoo/x.dll", "/tmpfoo/x.dll")]
    public void Host_paths_map_to_what_the_guest_chroot_sees(string host, string guest) =>
        Assert.Equal(guest, NumaLabRunner.GuestPath(host));
}
