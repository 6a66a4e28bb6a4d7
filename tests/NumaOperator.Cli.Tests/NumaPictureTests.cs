using k8s.Models;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.Status;
using NumaOperator.Api.Validation;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Rendering;
using NumaOperator.Numa.Discovery;
using NumaOperator.Numa.Placement;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Cli.Tests;

/// <summary>
/// The terminal picture of a host's NUMA layout against checked-in snapshots (Snapshots/pictures/*.txt), for the
/// sysfs fixtures with one, two and eight NUMA nodes and 2Mi and 1Gi pools: the kernel's view (`nodes`) and the
/// scheduler's ledger after real placements (`explain`, standalone). A change shows up as a diff; the test writes the
/// new picture beside the snapshot as *.received for review.
/// </summary>
public sealed class NumaPictureTests
{
    private static readonly DateTime Created = new(2026, 11, 29, 10, 0, 0, DateTimeKind.Utc);

    public static TheoryData<string> Cases =>
    [
        "sysfs-laptop-1node", "sysfs-intel-2s-smt", "sysfs-amd-epyc-nps4", "sysfs-gigantic-1g-unicode",
        "ledger-laptop-1node", "ledger-intel-2s-smt", "ledger-amd-epyc-nps4", "ledger-gigantic-1g", "ledger-intel-2s-smt-unicode",
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Picture_matches_its_snapshot(string name)
    {
        var (picture, glyphs) = name switch
        {
            "sysfs-laptop-1node" => (Sysfs("laptop-1node"), PictureGlyphs.Ascii),
            "sysfs-intel-2s-smt" => (Sysfs("intel-2s-smt"), PictureGlyphs.Ascii),
            "sysfs-amd-epyc-nps4" => (Sysfs("amd-epyc-nps4"), PictureGlyphs.Ascii),
            "sysfs-gigantic-1g-unicode" => (Sysfs("gigantic-1g"), PictureGlyphs.Unicode),
            "ledger-laptop-1node" => (Ledger("laptop-1node", "0-1", Vm("web", 2, dedicated: false, "1Gi", pageSize: null)), PictureGlyphs.Ascii),
            "ledger-intel-2s-smt" => (IntelLedger(), PictureGlyphs.Ascii),
            "ledger-intel-2s-smt-unicode" => (IntelLedger(), PictureGlyphs.Unicode),
            "ledger-amd-epyc-nps4" => (Ledger(
                "amd-epyc-nps4",
                "0,64",
                Vm("db1", 8, dedicated: true, "4Gi", "2Mi", guestNodes: 2),
                Vm("db2", 4, dedicated: true, "6Gi", "2Mi"),
                Vm("web", 2, dedicated: false, "2Gi", "2Mi"),
                Vm("batch", 16, dedicated: true, "7Gi", "2Mi")), PictureGlyphs.Ascii),
            "ledger-gigantic-1g" => (Ledger(
                "gigantic-1g",
                "0,16",
                Vm("big", 4, dedicated: true, "8Gi", "1Gi"),
                Vm("small", 2, dedicated: true, "512Mi", "2Mi")), PictureGlyphs.Ascii),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };

        var actual = PictureWriter.Plain(picture, glyphs);

        SnapshotFile.AssertMatches(RepoPaths.Combine("tests", "NumaOperator.Cli.Tests", "Snapshots", "pictures", name + ".txt"), actual);
    }

    [Fact]
    public void Ledger_picture_counts_every_cpu_once_and_marks_the_explained_vms_guest_nodes()
    {
        var picture = IntelLedger();

        Assert.All(picture.NumaNodes, n => Assert.Equal(n.CpuCount, n.Roles!.Dedicated + n.Roles.Shared + n.Roles.Reserved + n.Roles.Free));
        Assert.Equal(8 + 2, picture.NumaNodes.Sum(n => n.Roles!.Dedicated)); // db1's 8 vCPUs and wide's 2 (one per guest node)
        Assert.Equal(2, picture.NumaNodes.Sum(n => n.Roles!.Reserved));
        var marks = picture.NumaNodes.SelectMany(n => n.Marks).ToList();
        Assert.Equal(["default/db1 guest node 0: vCPUs 0-7 on CPUs 1-4,33-36, 16Gi of 2Mi pages"], marks); // whole cores, after reserved CPU 0 and its sibling 32
    }

    [Fact]
    public void Plain_picture_has_no_escape_codes_and_markup_colours_every_bar_segment()
    {
        var picture = IntelLedger();

        Assert.DoesNotContain('\u001b', PictureWriter.Plain(picture, PictureGlyphs.Ascii));
        Assert.All(PictureWriter.Plain(picture, PictureGlyphs.Ascii).Split('\n'), line => Assert.True(line.All(c => c < 128), line));
        var markup = PictureWriter.Markup(picture, PictureGlyphs.Unicode);
        Assert.Contains("[red]█", markup, StringComparison.Ordinal);
        Assert.Contains("[yellow]▓", markup, StringComparison.Ordinal);
        Assert.Contains("[blue]▒", markup, StringComparison.Ordinal);
        Assert.Contains("[green]░", markup, StringComparison.Ordinal);

        // What a terminal gets: Spectre parses the markup and draws the same text the plain form has, in colour.
        using var screen = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Ansi = Spectre.Console.AnsiSupport.Yes,
            ColorSystem = Spectre.Console.ColorSystemSupport.Standard,
            Out = new Spectre.Console.AnsiConsoleOutput(screen),
        });
        console.Profile.Width = 120;
        PictureWriter.Write([picture], terminal: true, console, TextWriter.Null);
        var drawn = screen.ToString();
        Assert.Contains("\u001b[", drawn, StringComparison.Ordinal);
        Assert.Equal(PictureWriter.Plain(picture, PictureGlyphs.Unicode), System.Text.RegularExpressions.Regex.Replace(drawn, "\u001b\\[[0-9;]*m", string.Empty).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Readme_and_monitoring_doc_show_pictures_the_code_draws()
    {
        var readme = File.ReadAllText(RepoPaths.Combine("README.md"));
        var nodes = PictureWriter.Plain(HostPictureBuilder.FromSysfs("worker-7", new SysfsTopologyReader(RepoPaths.Fixture("sysfs", "gigantic-1g")).Read()), PictureGlyphs.Ascii);
        Assert.Contains("```\n" + nodes + "```", readme, StringComparison.Ordinal);

        var monitoring = File.ReadAllText(RepoPaths.Combine("docs", "monitoring.md"));
        var ledger = PictureWriter.Plain(IntelLedger(), PictureGlyphs.Ascii);
        var shown = monitoring[(monitoring.IndexOf("```\nNUMA layout of intel-2s-smt", StringComparison.Ordinal) + 4)..];
        shown = shown[..shown.IndexOf("```", StringComparison.Ordinal)];
        Assert.StartsWith(shown, ledger, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(24, new long[] { 1, 127 }, new[] { 1, 23 })] // one pinned CPU of 128 still shows
    [InlineData(24, new long[] { 0, 0, 0 }, new[] { 0, 0, 0 })]
    [InlineData(24, new long[] { 8, 8, 8 }, new[] { 8, 8, 8 })]
    [InlineData(24, new long[] { 1, 1, 1, 0 }, new[] { 8, 8, 8, 0 })]
    [InlineData(24, new long[] { 2, 12, 2, 16 }, new[] { 2, 9, 1, 12 })] // largest remainders, then a cell for each non-zero
    [InlineData(3, new long[] { 1, 1, 1, 1 }, new[] { 1, 1, 1, 0 })] // narrower than the values: no cell to take
    public void Bar_cells_add_up_to_the_width_in_proportion(int width, long[] values, int[] cells) =>
        Assert.Equal(cells, BarCells.Split(width, values));

    private static HostPicture IntelLedger() => Ledger(
        "intel-2s-smt",
        "0,32",
        Vm("db1", 8, dedicated: true, "16Gi", "2Mi"),
        Vm("cache", 4, dedicated: false, "8Gi", "2Mi"),
        Vm("wide", 2, dedicated: true, "4Gi", "2Mi", guestNodes: 2));

    private static HostPicture Sysfs(string machine) =>
        HostPictureBuilder.FromSysfs(machine, new SysfsTopologyReader(RepoPaths.Fixture("sysfs", machine)).Read());

    /// <summary>The fixture published as a NumaNodeTopology, the VMs placed one after the other by the real engine, the first one explained.</summary>
    private static HostPicture Ledger(string machine, string reservedCpus, params NumaVirtualMachine[] vms)
    {
        var topology = TopologyConversion.ToResource(machine, new SysfsTopologyReader(RepoPaths.Fixture("sysfs", machine)).Read().Topology);
        topology.Spec = new NumaNodeTopologySpec { ReservedCpus = reservedCpus };
        var ledger = new PlacementLedger(new ClusterSnapshot([TopologyConversion.ToClusterNode(topology)]));
        for (var i = 0; i < vms.Length; i++)
        {
            var vm = vms[i];
            vm.Metadata.CreationTimestamp = Created.AddMinutes(i);
            var request = NumaVirtualMachineValidator.Validate(vm).Request ?? throw new InvalidOperationException($"{vm.Key} is not valid");
            var placed = Assert.IsType<PlacementDecision.Placed>(PlacementEngine.Decide(ledger, request));
            ledger.Place(vm.Key, placed.Placement);
            SchedulingStatus.ApplyPlaced(vm, placed.Placement, Created);
        }

        return Assert.Single(HostPictureBuilder.FromCluster([topology], vms, [machine], vms[0]));
    }

    private static NumaVirtualMachine Vm(string name, int cores, bool dedicated, string size, string? pageSize, int guestNodes = 1) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Generation = 1 },
        Spec = new NumaVirtualMachineSpec
        {
            Running = true,
            Cpu = new CpuSpec { Cores = cores, Dedicated = dedicated },
            Memory = new MemorySpec { Size = size, Hugepages = pageSize is null ? null : new HugepagesSpec { PageSize = pageSize } },
            Numa = guestNodes == 1 ? null : new NumaSpec { GuestNodes = guestNodes },
        },
    };
}
