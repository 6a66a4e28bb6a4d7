using System.Text.Json.Nodes;
using Xunit.Abstractions;
using static NumaOperator.NumaLab.Tests.LaunchJson;

namespace NumaOperator.NumaLab.Tests;

/// <summary>
/// `numa-operator launch` of a VM with two guest nodes on host nodes 0 and 1 inside the two-node lab guest, judged per
/// guest node: as placed, each guest node's 32 pages land on its own host node; the control shapes (swapped bindings,
/// every backend over host-nodes=0-1) are NotAligned naming the guest node, though the VM-level totals can look right.
/// And a 1 GiB-page VM bound to host node 1 lands there. All launches start on node 0's CPU.
/// </summary>
[Collection(LaunchLab.Name)]
public sealed class SpanningLaunchInLabTests(LaunchLabFixture lab, ITestOutputHelper output)
{
    private const long GuestNodeBytes64Mi = 64L << 20;
    private const int GuestNodePages = (int)(GuestNodeBytes64Mi / LaunchLabFixture.PageBytes);
    private const long GiB = 1L << 30;

    [SkippableFact]
    public async Task Spanning_vm_puts_each_guest_nodes_32_pages_on_its_own_host_node_and_is_aligned()
    {
        var (log, result) = await lab.CommandAsync("spanning", output);
        Assert.True(result.ExitCode == 0, $"launch exited {result.ExitCode}; stderr:\n{result.Stderr}");
        var json = Parse(result);

        Assert.Contains(Argv(json), a => a.StartsWith("memory-backend-file,id=mem0,", StringComparison.Ordinal) && a.Contains(",host-nodes=0,policy=bind", StringComparison.Ordinal));
        Assert.Contains(Argv(json), a => a.StartsWith("memory-backend-file,id=mem1,", StringComparison.Ordinal) && a.Contains(",host-nodes=1,policy=bind", StringComparison.Ordinal));
        AssertGuestNodeOn(json, 0, 0);
        AssertGuestNodeOn(json, 1, 1);
        Assert.Equal(["bind:0"], GuestNodePolicies(json, 0));
        Assert.Equal(["bind:1"], GuestNodePolicies(json, 1));
        Assert.Equal("1.000", json["localRatio"]!.GetValue<string>());
        Assert.True(json["aligned"]!.GetValue<bool>(), json["verdict"]?.GetValue<string>());

        // The lab guest's SLIT (Linux's 10/20: its QEMU passes no -numa dist) reaches the VM's QEMU as -numa dist.
        Assert.Contains("dist,src=0,dst=1,val=20", Argv(json));
        Assert.Contains("dist,src=1,dst=0,val=20", Argv(json));

        // Each host node's pool paid for its own guest node only, and got its pages back after --stop-after.
        Assert.Equal(FreePages(json, "freeHugepagesBefore", 0) - GuestNodePages, FreePages(json, "freeHugepagesAfter", 0));
        Assert.Equal(FreePages(json, "freeHugepagesBefore", 1) - GuestNodePages, FreePages(json, "freeHugepagesAfter", 1));
        Assert.Equal(LabSerialLog.ParseNodeCounts(log.Values["free-before-spanning"]), LabSerialLog.ParseNodeCounts(log.Values["free-after-spanning"]));
        Assert.Equal("0", log.Values["qemu-after-spanning"]);
    }

    [SkippableFact]
    public async Task Swapped_bindings_are_not_aligned_naming_each_guest_node_though_the_vm_totals_look_right()
    {
        var (log, result) = await lab.CommandAsync("spanning-swapped", output);
        Assert.True(result.ExitCode == 1, $"a launch with guest nodes on each other's host nodes must exit 1, exited {result.ExitCode}; stderr:\n{result.Stderr}");
        var json = Parse(result);

        Assert.Equal("Swapped", json["bindingForTest"]!.GetValue<string>());
        Assert.Contains(Argv(json), a => a.StartsWith("memory-backend-file,id=mem0,", StringComparison.Ordinal) && a.Contains(",host-nodes=1,policy=bind", StringComparison.Ordinal));
        AssertGuestNodeOn(json, 0, 1);
        AssertGuestNodeOn(json, 1, 0);

        // A whole-VM sum sees half on each placed node: only the per-guest-node verdict catches it.
        Assert.Equal(GuestNodeBytes64Mi, NodeBytes(json, 0));
        Assert.Equal(GuestNodeBytes64Mi, NodeBytes(json, 1));
        Assert.False(json["aligned"]!.GetValue<bool>());
        Assert.Equal("RemoteMemory", json["reason"]!.GetValue<string>());
        var verdict = json["verdict"]!.GetValue<string>();
        Assert.Contains("guest node 0: 64.0 MiB on host node 1, placed on node 0", verdict, StringComparison.Ordinal);
        Assert.Contains("guest node 1: 64.0 MiB on host node 0, placed on node 1", verdict, StringComparison.Ordinal);
        Assert.Equal("0", log.Values["qemu-after-spanning-swapped"]);
    }

    [SkippableFact]
    public async Task Backends_bound_over_both_host_nodes_are_not_aligned_naming_the_guest_node()
    {
        var (log, result) = await lab.CommandAsync("spanning-wide", output);
        Assert.True(result.ExitCode == 1, $"a launch with backends over host-nodes=0-1 must exit 1, exited {result.ExitCode}; stderr:\n{result.Stderr}");
        var json = Parse(result);

        Assert.Equal("Wide", json["bindingForTest"]!.GetValue<string>());
        Assert.Equal(2, Argv(json).Count(a => a.StartsWith("memory-backend-file,", StringComparison.Ordinal) && a.Contains(",host-nodes=0-1,policy=bind", StringComparison.Ordinal)));
        Assert.Equal(["bind:0-1"], GuestNodePolicies(json, 0));
        Assert.Equal(["bind:0-1"], GuestNodePolicies(json, 1));
        Assert.False(json["aligned"]!.GetValue<bool>());

        // Where the kernel put the pages inside 0-1 is its choice (node 0: the prealloc threads run there); the verdict
        // names guest node 0's wide policy either way, and guest node 1 with it.
        var verdict = json["verdict"]!.GetValue<string>();
        Assert.StartsWith("not aligned: guest node 0: policy bind:0-1, not bind:0", verdict, StringComparison.Ordinal);
        Assert.Contains("guest node 1: ", verdict, StringComparison.Ordinal);
        Assert.Equal("0", log.Values["qemu-after-spanning-wide"]);
    }

    [SkippableFact]
    public async Task One_gigantic_page_vm_bound_to_host_node_1_is_measured_there_in_1_gib_pages()
    {
        var (log, result) = await lab.CommandAsync("gigantic", output);
        Assert.Equal("1", log.Values["gigantic-pages-node1"]);
        Assert.True(result.ExitCode == 0, $"launch exited {result.ExitCode}; stderr:\n{result.Stderr}");
        var json = Parse(result);

        Assert.Equal("1Gi", json["pageSize"]!.GetValue<string>());
        Assert.Contains(Argv(json), a => a.StartsWith("memory-backend-file,id=mem0,", StringComparison.Ordinal)
            && a.Contains("mem-path=/dev/hugepages1G", StringComparison.Ordinal) && a.Contains(",host-nodes=1,policy=bind", StringComparison.Ordinal));
        Assert.Equal(GiB, NodeBytes(json, 1));
        Assert.Equal(0, NodeBytes(json, 0));
        Assert.All(json["guestRamKernelPageBytes"]!.AsArray(), p => Assert.Equal(GiB, p!.GetValue<long>()));
        Assert.Equal(["bind:1"], GuestNodePolicies(json, 0));
        Assert.True(json["aligned"]!.GetValue<bool>(), json["verdict"]?.GetValue<string>());

        // Node 1's one 1 GiB page was the VM's while it ran, and came back.
        Assert.Equal(1, FreePages(json, "freeHugepagesBefore", 1));
        Assert.Equal(0, FreePages(json, "freeHugepagesAfter", 1));
        Assert.Equal("1", log.Values["gigantic-free-after"]);
        Assert.Equal("0", log.Values["qemu-after-gigantic"]);
    }

    /// <summary>All of guest node <paramref name="guestNode"/>'s 64 MiB on host node <paramref name="hostNode"/>, none on the other.</summary>
    private static void AssertGuestNodeOn(JsonObject json, int guestNode, int hostNode)
    {
        Assert.Equal(GuestNodeBytes64Mi, GuestNodeBytes(json, guestNode, hostNode));
        Assert.Equal(0, GuestNodeBytes(json, guestNode, 1 - hostNode));
    }
}
