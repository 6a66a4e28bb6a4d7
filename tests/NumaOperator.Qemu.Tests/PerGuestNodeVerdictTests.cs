using System.Globalization;
using System.Text;
using NumaOperator.Numa.Placement;
using NumaOperator.Qemu.Measurement;

namespace NumaOperator.Qemu.Tests;

/// <summary>
/// The verdict judges each guest node on its own. A VM placed on host nodes 0 and 1 with two guest nodes of 64 MiB
/// (32 × 2 MiB pages each) is measured from numa_maps/maps text in the shape real QEMU 7.2 writes them; each miss that
/// a whole-VM sum cannot see (swapped bindings, one wide binding, an uneven split, a plain file behind one guest node)
/// turns NotAligned and the message names the guest node, where its memory is and where it should be.
/// </summary>
public sealed class PerGuestNodeVerdictTests
{
    private const long Mi = 1L << 20;
    private const string Mount = "/dev/hugepages";

    private static readonly GuestRamLayout Spanning = new(2 * Mi, true, Mount, [new GuestRamBackend(0, 0, 64 * Mi), new GuestRamBackend(1, 1, 64 * Mi)]);

    [Fact]
    public void Each_guest_node_on_its_own_host_node_bound_there_is_aligned()
    {
        var m = Measure(Spanning, Backend("mem0", 0x7f0000000000, 64 * Mi, "bind:0", (0, 32)), Backend("mem1", 0x7f1000000000, 64 * Mi, "bind:1", (1, 32)));
        var verdict = NumaVerdict.Judge(m);

        Assert.True(verdict.Aligned, verdict.Message);
        Assert.Equal("1.000", m.LocalRatioText);
        Assert.Equal([64 * Mi], m.GuestNodes.Select(g => g.BytesByNode.GetValueOrDefault(g.HostNode)).Distinct());
        Assert.Equal(["bind:0", "bind:1"], m.GuestNodes.Select(g => g.Policies.Single()));
        Assert.Equal("aligned: 128.0 MiB of guest RAM, 100.0% on each guest node's placed host node (guest node 0 → host node 0, guest node 1 → host node 1)", verdict.Message);
    }

    [Fact]
    public void Swapped_bindings_are_remote_memory_for_both_guest_nodes_though_the_vm_total_is_on_placed_nodes()
    {
        var m = Measure(Spanning, Backend("mem0", 0x7f0000000000, 64 * Mi, "bind:1", (1, 32)), Backend("mem1", 0x7f1000000000, 64 * Mi, "bind:0", (0, 32)));
        var verdict = NumaVerdict.Judge(m);

        Assert.False(verdict.Aligned);
        Assert.Equal(NumaVerdict.ReasonRemoteMemory, verdict.Reason);
        Assert.Equal(
            "not aligned: guest node 0: 64.0 MiB on host node 1, placed on node 0; guest node 1: 64.0 MiB on host node 0, placed on node 1 (localRatio 0.000, 0 B local)",
            verdict.Message);
        Assert.Equal([64 * Mi, 64 * Mi], m.GuestRamBytesByNode.Values); // a whole-VM sum sees nothing wrong
    }

    [Fact]
    public void One_wide_backend_over_both_host_nodes_is_caught_as_the_missing_guest_node_and_a_wide_policy()
    {
        // The seed bug's shape for a spanning VM: one backend host-nodes=0-1 for all 128 MiB, filled from node 0.
        var m = Measure(Spanning, Backend("mem0", 0x7f0000000000, 128 * Mi, "bind:0-1", (0, 64)));
        var verdict = NumaVerdict.Judge(m);

        Assert.False(verdict.Aligned);
        Assert.Equal(NumaVerdict.ReasonBackendsMissing, verdict.Reason);
        Assert.StartsWith("not aligned: guest node 0: policy bind:0-1, not bind:0 (128.0 MiB on host node 0 by chance); guest node 1: backend mem1 not found in numa_maps", verdict.Message, StringComparison.Ordinal);
        Assert.Contains("64.0 MiB placed on node 1", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_backend_bound_to_both_host_nodes_lands_on_node_0_and_names_both_guest_nodes()
    {
        var m = Measure(Spanning, Backend("mem0", 0x7f0000000000, 64 * Mi, "bind:0-1", (0, 32)), Backend("mem1", 0x7f1000000000, 64 * Mi, "bind:0-1", (0, 32)));
        var verdict = NumaVerdict.Judge(m);

        Assert.Equal(NumaVerdict.ReasonRemoteMemory, verdict.Reason);
        Assert.Equal(
            "not aligned: guest node 0: policy bind:0-1, not bind:0 (64.0 MiB on host node 0 by chance); guest node 1: 64.0 MiB on host node 0, placed on node 1 (localRatio 0.500, 64.0 MiB local)",
            verdict.Message);
    }

    [Fact]
    public void An_uneven_split_is_a_split_mismatch_naming_what_each_guest_node_holds_and_was_given()
    {
        var m = Measure(Spanning, Backend("mem0", 0x7f0000000000, 96 * Mi, "bind:0", (0, 48)), Backend("mem1", 0x7f1000000000, 32 * Mi, "bind:1", (1, 16)));
        var verdict = NumaVerdict.Judge(m);

        Assert.Equal(NumaVerdict.ReasonSplitMismatch, verdict.Reason);
        Assert.Equal(
            "not aligned: guest node 0: backend mem0 holds 96.0 MiB, the placement gives it 64.0 MiB on node 0; guest node 1: backend mem1 holds 32.0 MiB, the placement gives it 64.0 MiB on node 1 (localRatio 1.000, 128.0 MiB local)",
            verdict.Message);
    }

    [Fact]
    public void A_plain_file_behind_one_guest_node_is_a_wrong_page_size_for_that_guest_node_only()
    {
        var m = Measure(Spanning, Backend("mem0", 0x7f0000000000, 64 * Mi, "bind:0", (0, 32)), Backend("mem1", 0x7f1000000000, 64 * Mi, "bind:1", (1, 16384), pageKb: 4));
        var verdict = NumaVerdict.Judge(m);

        Assert.Equal(NumaVerdict.ReasonWrongPageSize, verdict.Reason);
        Assert.StartsWith("not aligned: guest node 1: backed by 4Ki pages (kernelpagesize_kB=4), not 2Mi hugepages", verdict.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("guest node 0", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Partly_resident_guest_node_is_not_resident_and_a_preferred_backend_is_wrong_for_a_strict_vm()
    {
        var partly = NumaVerdict.Judge(Measure(Spanning, Backend("mem0", 0x7f0000000000, 64 * Mi, "bind:0", (0, 32)), Backend("mem1", 0x7f1000000000, 64 * Mi, "bind:1", (1, 8))));
        Assert.Equal(NumaVerdict.ReasonNotResident, partly.Reason);
        Assert.Contains("guest node 1: only 16.0 MiB of 64.0 MiB resident on node 1", partly.Message, StringComparison.Ordinal);

        var preferred = NumaVerdict.Judge(Measure(Spanning, Backend("mem0", 0x7f0000000000, 64 * Mi, "prefer:0", (0, 32)), Backend("mem1", 0x7f1000000000, 64 * Mi, "bind:1", (1, 32))));
        Assert.Equal(NumaVerdict.ReasonUnbound, preferred.Reason);
        Assert.Contains("guest node 0: policy prefer:0, not bind:0", preferred.Message, StringComparison.Ordinal);
        Assert.True(NumaVerdict.Judge(Measure(Spanning with { Policy = NumaPolicy.Preferred }, Backend("mem0", 0x7f0000000000, 64 * Mi, "prefer:0", (0, 32)), Backend("mem1", 0x7f1000000000, 64 * Mi, "prefer:1", (1, 32)))).Aligned);
    }

    [Fact]
    public void Ordinary_ram_backends_are_told_apart_by_the_addresses_qemu_reports()
    {
        // Captured from QEMU 7.2: mem0 32 MiB and mem1 64 MiB of ordinary RAM, both bound to node 0; "info mtree -f" and gpa2hva answers.
        var flat = QemuMemoryMap.ParseFlatView(NumaMapsParserTests.Read("ram-two-backends.mtree"));
        var answers = NumaMapsParserTests.Read("ram-two-backends.gpa2hva").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(QemuMemoryMap.ParseGpa2Hva).ToDictionary(a => a.Region, a => a.HostAddress);
        Assert.Equal([(0x0UL, 0x0UL), (0x100000UL, 0x100000UL)], flat.Where(r => r.Name == "mem0").Select(r => (r.GuestPhysical, r.Offset)).Distinct());
        Assert.Equal(0x2000000UL, flat.First(r => r.Name == "mem1").GuestPhysical);
        var addresses = new GuestRamAddresses(answers);
        var layout = new GuestRamLayout(4096, false, null, [new GuestRamBackend(0, 0, 32 * Mi), new GuestRamBackend(1, 0, 64 * Mi)]);

        var m = GuestMemoryMeasurer.Measure(NumaMapsParserTests.Read("ram-two-backends.numa_maps"), NumaMapsParserTests.Read("ram-two-backends.maps"), layout, addresses);

        Assert.Equal([32 * Mi, 64 * Mi], m.GuestNodes.Select(g => g.BytesByNode[0]));
        Assert.Equal([32 * Mi, 64 * Mi], m.GuestNodes.Select(g => g.MappedBytes));
        Assert.True(NumaVerdict.Judge(m).Aligned, NumaVerdict.Judge(m).Message);
    }

    [Fact]
    public void Ordinary_ram_backends_of_equal_size_are_not_guessed_without_addresses()
    {
        var layout = new GuestRamLayout(4096, false, null, [new GuestRamBackend(0, 0, 64 * Mi), new GuestRamBackend(1, 0, 64 * Mi)]);
        const string numaMaps = "7f0000000000 bind:0 anon=16384 dirty=16384 N0=16384 kernelpagesize_kB=4\n7f1000000000 bind:0 anon=16384 dirty=16384 N0=16384 kernelpagesize_kB=4\n";
        const string maps = "7f0000000000-7f0004000000 rw-p 00000000 00:00 0\n7f1000000000-7f1004000000 rw-p 00000000 00:00 0\n";

        var verdict = NumaVerdict.Judge(GuestMemoryMeasurer.Measure(numaMaps, maps, layout));

        Assert.Equal(NumaVerdict.ReasonBackendsMissing, verdict.Reason);
        Assert.Contains("at QEMU's address for mem0", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gpa2hva_answer_without_an_address_is_refused_with_qemus_words()
    {
        var e = Assert.Throws<FormatException>(() => QemuMemoryMap.ParseGpa2Hva("No memory is mapped at address 0x90000000\r\n"));
        Assert.Contains("No memory is mapped at address 0x90000000", e.Message, StringComparison.Ordinal);
    }

    private static NumaMeasurement Measure(GuestRamLayout layout, params (string NumaMaps, string Maps)[] backends) =>
        GuestMemoryMeasurer.Measure(string.Concat(backends.Select(b => b.NumaMaps)), string.Concat(backends.Select(b => b.Maps)), layout);

    /// <summary>One hugetlbfs backend file as QEMU 7.2 names it, with its numa_maps and maps lines.</summary>
    private static (string NumaMaps, string Maps) Backend(string id, ulong address, long bytes, string policy, (int Node, long Pages) pages, long pageKb = 2048)
    {
        var file = $"{Mount}/qemu_back_mem.{id}.Ab12Cd";
        var numaMaps = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{address:x} {policy} file={file}\\040(deleted)");
        numaMaps.Append(pageKb == 2048 ? " huge" : string.Empty).Append(CultureInfo.InvariantCulture, $" dirty={pages.Pages} N{pages.Node}={pages.Pages} kernelpagesize_kB={pageKb}\n");
        return (numaMaps.ToString(), $"{address:x}-{address + (ulong)bytes:x} rw-s 00000000 00:26 1 {file} (deleted)\n");
    }
}
