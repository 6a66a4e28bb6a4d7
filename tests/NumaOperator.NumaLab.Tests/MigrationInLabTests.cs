using System.Text.Json.Nodes;
using NumaOperator.Qemu.Measurement;
using NumaOperator.Tests.Shared;
using Xunit.Abstractions;

namespace NumaOperator.NumaLab.Tests;

/// <summary>
/// Issue 21's first "Done when", in a guest with two NUMA nodes: a VM bound to host node 0 whose guest keeps counting is
/// moved live to host node 1 (a NumaVirtualMachineMigration with targetNumaNodes "1"); afterwards its QEMU's numa_maps
/// has all guest RAM bound to and on node 1, the count never went back, node 0's pages are free again and the status
/// says so. A move refused for lack of pages leaves the VM untouched.
/// </summary>
public sealed class MigrationInLabTests(MigrationLabFixture lab, ITestOutputHelper output) : IClassFixture<MigrationLabFixture>
{
    [SkippableFact]
    public async Task A_counting_VM_moved_live_from_host_node_0_to_node_1_has_all_guest_ram_bound_to_and_on_node_1_and_a_count_that_never_went_back()
    {
        var log = await RunAsync();
        var move = Json(log, "move");
        Assert.True((string?)move["status"]?["phase"] == "Succeeded", $"the move did not succeed: {move["status"]?.ToJsonString()}");
        Assert.Equal(1, (int)move["status"]!["targetPlacement"]!["guestNodes"]![0]!["hostNode"]!);

        // The status says node 1, measured.
        var vm = Json(log, "moved-vm");
        Assert.Equal(1, (int)vm["status"]!["placement"]!["guestNodes"]![0]!["hostNode"]!);
        Assert.Equal("1.000", (string?)vm["status"]!["numastat"]!["localRatio"]);
        Assert.Equal(MigrationLabFixture.CountingVmBytes, NodeBytes(vm["status"]!["numastat"]!, 1));
        Assert.Equal(0, NodeBytes(vm["status"]!["numastat"]!, 0));

        // Read directly: the running QEMU (a new process, the only one of the VM) has every guest RAM page on node 1, bound.
        Assert.NotEqual(log.Values["pid-before"], log.Values["pid-after"]);
        Assert.Equal("1", log.Values["qemu-for-vm"]);
        AssertGuestRam(Block(log, "numamaps-before"), node: 0);
        AssertGuestRam(Block(log, "numamaps-after"), node: 1);

        // The counter: on node 0 it counted; the log followed across the move goes on, never back.
        var before = GuestCounter.Counts(Lines(Block(log, "serial-before")));
        var across = GuestCounter.Counts(Lines(Block(log, "counter")));
        output.WriteLine($"counted to {before[^1]} before the move; followed across it: {across[0]} … {across[^1]}");
        Assert.True(before.Count >= 3, "the guest had not counted before the move");
        Assert.Null(GuestCounter.StepBack(across));
        Assert.True(across[^1] >= before[^1] + 3, $"the count did not go on after the move: {across[^1]} after {before[^1]}");

        // Node 0's pages are back; node 1 pays for the VM now.
        var whileOn0 = LabSerialLog.ParseNodeCounts(log.Values["free-before-move"]);
        var afterMove = LabSerialLog.ParseNodeCounts(log.Values["free-after-move"]);
        var pages = (int)(MigrationLabFixture.CountingVmBytes / LaunchLabFixture.PageBytes);
        Assert.Equal(whileOn0[0] + pages, afterMove[0]);
        Assert.Equal(whileOn0[1] - pages, afterMove[1]);
    }

    [SkippableFact]
    public async Task A_move_to_node_1_refused_for_lack_of_pages_fails_unschedulable_and_leaves_the_VM_running_untouched_on_node_0()
    {
        var log = await RunAsync();
        var refused = Json(log, "refused");
        Assert.Equal("Failed", (string?)refused["status"]?["phase"]);
        Assert.Equal("Unschedulable", (string?)refused["status"]?["reason"]);

        Assert.False(string.IsNullOrEmpty(log.Values["big-pid-before"]), "the big VM had no QEMU");
        Assert.Equal(log.Values["big-pid-before"], log.Values["big-pid-after"]);
        var vm = Json(log, "refused-vm");
        Assert.Equal(0, (int)vm["status"]!["placement"]!["guestNodes"]![0]!["hostNode"]!);
        Assert.Equal("True", vm["status"]!["conditions"]!.AsArray().First(c => (string?)c!["type"] == "Ready")!["status"]!.GetValue<string>());
        Assert.Equal(LabSerialLog.ParseNodeCounts(log.Values["free-before-refused"]), LabSerialLog.ParseNodeCounts(log.Values["free-after-refused"]));
    }

    private async Task<LabSerialLog> RunAsync()
    {
        Skip.If(lab.MissingPrerequisite is not null, lab.MissingPrerequisite);
        var run = await lab.RunAsync();
        var log = run.SerialLog;
        output.WriteLine($"lab boot: run.sh exit {run.ExitCode} after {run.Elapsed.TotalSeconds:0} s; " +
            string.Join(", ", log.Values.Where(v => v.Key is "api-up" or "qemu-started" or "guest-booted" or "guest-ready" or "first-count" or "counts-done" or "total-seconds").Select(v => $"{v.Key} {v.Value} s")));
        output.WriteLine(string.Join('\n', log.Values.Where(v => v.Key.Contains("phases", StringComparison.Ordinal) || v.Key.StartsWith("free-", StringComparison.Ordinal)).Select(v => $"{v.Key}: {v.Value}")));
        Assert.True(log.Values.ContainsKey("counts-done"), $"the nested guest never counted; run.sh exit {run.ExitCode}:\n{run.RunnerMessages}\n{run.SerialLogText}");
        return log;
    }

    private static string Block(LabSerialLog log, string name)
    {
        Assert.True(log.Commands.TryGetValue(name, out var result), $"no '{name}' block in the lab's serial log");
        Assert.True(result.ExitCode == 0, $"'{name}' exited {result.ExitCode}: {result.Stderr}");
        return result.Stdout;
    }

    private static JsonObject Json(LabSerialLog log, string name) => (JsonObject)JsonNode.Parse(Block(log, name))!;

    private static IEnumerable<string> Lines(string text) => text.Split('\n').Select(l => l.TrimEnd('\r'));

    private static long NodeBytes(JsonNode numastat, int node) =>
        numastat["nodes"]!.AsArray().Where(n => (int)n!["node"]! == node).Select(n => (long)n!["bytes"]!).SingleOrDefault();

    /// <summary>The hugetlbfs mappings (guest RAM) of a numa_maps text: the VM's RAM in 2 MiB pages, all on <paramref name="node"/>, bind:<paramref name="node"/>.</summary>
    private static void AssertGuestRam(string numaMaps, int node)
    {
        var ram = NumaMapsParser.Parse(numaMaps).Where(m => m.IsHuge).ToList();
        Assert.Equal(MigrationLabFixture.CountingVmBytes, ram.Sum(m => m.Bytes));
        Assert.All(ram, m =>
        {
            Assert.Equal($"bind:{node}", m.Policy);
            Assert.Equal(LaunchLabFixture.PageBytes, m.KernelPageBytes);
            Assert.Equal([node], m.PagesByNode.Where(kv => kv.Value > 0).Select(kv => kv.Key));
        });
    }
}
