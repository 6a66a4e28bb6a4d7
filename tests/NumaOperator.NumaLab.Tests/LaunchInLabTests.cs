using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace NumaOperator.NumaLab.Tests;

/// <summary>
/// `numa-operator launch` inside a guest with two NUMA nodes (tests/numa-lab): bound to host node 1, every guest-RAM
/// byte is measured on node 1; with the binding omitted (the seed bug) the memory lands on node 0 and the verdict
/// says so. Both runs start on node 0's CPU, so the binding is the only difference.
/// </summary>
[Collection(LaunchLab.Name)]
public sealed class LaunchInLabTests(LaunchLabFixture lab, ITestOutputHelper output)
{
    private const int VmPages = (int)(LaunchLabFixture.VmBytes / LaunchLabFixture.PageBytes);

    [SkippableFact]
    public async Task Bound_launch_puts_all_guest_ram_on_host_node_1()
    {
        var (log, result) = await CommandAsync("bound");
        Assert.True(result.ExitCode == 0, $"launch exited {result.ExitCode}; stderr:\n{result.Stderr}");
        var json = ParseJson(result);

        Assert.False(json["bindingOmittedForTest"]!.GetValue<bool>());
        Assert.Contains(Argv(json), a => a.StartsWith("memory-backend-file,", StringComparison.Ordinal) && a.Contains(",host-nodes=1,policy=bind", StringComparison.Ordinal));
        Assert.Equal(LaunchLabFixture.VmBytes, json["guestRamBytes"]!.GetValue<long>());
        Assert.Equal(LaunchLabFixture.VmBytes, NodeBytes(json, 1));
        Assert.Equal(0, NodeBytes(json, 0));
        Assert.All(json["guestRamPolicies"]!.AsArray(), p => Assert.Equal("bind:1", p!.GetValue<string>()));
        Assert.All(json["guestRamKernelPageBytes"]!.AsArray(), p => Assert.Equal(LaunchLabFixture.PageBytes, p!.GetValue<long>()));
        Assert.Equal("1.000", json["localRatio"]!.GetValue<string>());
        Assert.True(json["aligned"]!.GetValue<bool>(), json["verdict"]?.GetValue<string>());

        // While the VM ran, node 1's free 2 MiB pages dropped by the VM's size and node 0's did not move.
        Assert.Equal(FreePages(json, "freeHugepagesBefore", 1) - VmPages, FreePages(json, "freeHugepagesAfter", 1));
        Assert.Equal(FreePages(json, "freeHugepagesBefore", 0), FreePages(json, "freeHugepagesAfter", 0));

        // --stop-after gave the pages back and left no QEMU behind.
        Assert.Equal(LabSerialLog.ParseNodeCounts(log.Values["free-before-bound"]), LabSerialLog.ParseNodeCounts(log.Values["free-after-bound"]));
        Assert.Equal("0", log.Values["qemu-after-bound"]);
    }

    [SkippableFact]
    public async Task Control_launch_without_binding_lands_on_node_0_and_the_verdict_says_so()
    {
        var (log, result) = await CommandAsync("control");
        Assert.True(result.ExitCode == 1, $"a launch with memory off its placed node must exit 1, exited {result.ExitCode}; stderr:\n{result.Stderr}");
        var json = ParseJson(result);

        Assert.True(json["bindingOmittedForTest"]!.GetValue<bool>());
        Assert.DoesNotContain(Argv(json), a => a.Contains("host-nodes=", StringComparison.Ordinal) || a.Contains("policy=", StringComparison.Ordinal));
        Assert.Equal(LaunchLabFixture.VmBytes, NodeBytes(json, 0));
        Assert.Equal(0, NodeBytes(json, 1));
        Assert.All(json["guestRamPolicies"]!.AsArray(), p => Assert.Equal("default", p!.GetValue<string>()));
        Assert.Equal("0.000", json["localRatio"]!.GetValue<string>());
        Assert.False(json["aligned"]!.GetValue<bool>());

        // The verdict names where the memory is, how much, and the ratio.
        var verdict = json["verdict"]!.GetValue<string>();
        Assert.StartsWith("not aligned", verdict, StringComparison.Ordinal);
        Assert.Contains("64.0 MiB on host node 0", verdict, StringComparison.Ordinal);
        Assert.Contains("placed on node 1", verdict, StringComparison.Ordinal);
        Assert.Contains("localRatio 0.000", verdict, StringComparison.Ordinal);

        // The seed bug in numbers: node 0's pool paid for a VM placed on node 1.
        Assert.Equal(FreePages(json, "freeHugepagesBefore", 0) - VmPages, FreePages(json, "freeHugepagesAfter", 0));
        Assert.Equal(FreePages(json, "freeHugepagesBefore", 1), FreePages(json, "freeHugepagesAfter", 1));
        Assert.Equal("0", log.Values["qemu-after-control"]);
    }

    private Task<(LabSerialLog Log, LabCommandResult Result)> CommandAsync(string name) => lab.CommandAsync(name, output);

    private static JsonObject ParseJson(LabCommandResult result) => LaunchJson.Parse(result);

    private static IEnumerable<string> Argv(JsonObject json) => LaunchJson.Argv(json);

    private static long NodeBytes(JsonObject json, int node) => LaunchJson.NodeBytes(json, node);

    private static long FreePages(JsonObject json, string key, int node) => LaunchJson.FreePages(json, key, node);
}
