using System.Text.Json.Nodes;
using NumaOperator.Api.Status;
using NumaOperator.Qemu.Measurement;
using NumaOperator.Tests.Shared;
using Xunit.Abstractions;
using static NumaOperator.Standalone.Tests.TwoAgentCluster;

namespace NumaOperator.Standalone.Tests;

/// <summary>
/// Issue 21's second "Done when": two agents on this machine (alpha in standalone, beta a separate process) live-migrate
/// a VM whose guest keeps counting, and a destination killed mid-migration leaves the VM running on the source.
/// </summary>
[Collection(StandaloneSerial.Name)]
public sealed class TwoAgentMigrationTests(ITestOutputHelper output)
{
    private const long GuestRamBytes = 128L << 20;
    private static readonly TimeSpan MoveTimeout = TimeSpan.FromMinutes(4);

    [SkippableFact]
    public async Task A_counting_VM_migrated_from_alpha_to_beta_runs_from_beta_with_its_ram_bound_on_node_0_its_count_going_on_and_alpha_s_qemu_and_pages_gone()
    {
        Skip.IfNot(TwoAgentTests.CanRun, TwoAgentTests.SkipReason);
        await using var cluster = await StartAsync(pages: 2 * CountingVm.Pages, startBeta: false);
        try
        {
            var vm = await CountingVm.StartAsync(cluster, "mover", Alpha, selectNode: false);
            await cluster.StartBetaAsync();
            var uid = (string)vm["metadata"]!["uid"]!;
            var sourcePid = Assert.Single(HostProcesses.QemuWithUuid(uid));
            var usedWithVm = StandaloneRun.UsedPages();
            var source = new CountFollower(cluster.SerialLog(Alpha, uid));

            await cluster.ApplyAsync("move", MigrationObjects.Manifest("move", "mover", targetNode: Beta));
            var phases = new List<string>();
            var migration = await MigrationObjects.WaitAsync(cluster, "move", m => MigrationPhases.IsTerminal(MigrationObjects.Phase(m)), MoveTimeout, phases, source.Poll);
            output.WriteLine($"phases: {string.Join(" → ", phases)}; progress {migration!["status"]?["progress"]?.ToJsonString()}");
            Assert.True(MigrationObjects.Phase(migration) == MigrationPhases.Succeeded, MigrationObjects.Describe(migration));
            Assert.Equal(Alpha, (string?)migration["status"]!["sourceNode"]);
            Assert.Equal(Beta, (string?)migration["status"]!["targetNode"]);

            // The VM's status, label and placement follow it to beta.
            vm = await cluster.Kubectl.WaitVmAsync(
                "mover", v => (string?)v?["status"]?["nodeName"] == Beta && Kubectl.Condition(v, "Ready") == "True", TimeSpan.FromSeconds(60), cluster.Standalone);
            Assert.Equal(Beta, (string?)vm!["metadata"]!["labels"]?["numaoperator.io/node"]);
            Assert.Equal(0, (int)vm["status"]!["placement"]!["guestNodes"]![0]!["hostNode"]!);
            Assert.Equal("1.000", (string?)vm["status"]!["numastat"]!["localRatio"]);
            Assert.Equal(MigrationPhases.Succeeded, (string?)vm["status"]!["migration"]?["phase"]);

            // One QEMU for the VM: beta's, not alpha's; alpha's state for it is gone.
            Assert.True(await HostProcesses.WaitGoneAsync(sourcePid, TimeSpan.FromSeconds(30)), $"alpha's QEMU {sourcePid} still runs");
            var targetPid = Assert.Single(HostProcesses.QemuWithUuid(uid));
            Assert.NotEqual(sourcePid, targetPid);
            Assert.Equal([targetPid], HostProcesses.QemuUnder(cluster.BetaStateDir));
            Assert.True(Directory.Exists(Path.Combine(cluster.BetaStateDir, "vms", uid)), "beta's STATE/vms/UID");
            await Eventually.HoldsAsync(() => !Directory.Exists(Path.Combine(cluster.AlphaStateDir, "vms", uid)), TimeSpan.FromSeconds(30), "alpha's STATE/vms/UID removed");

            // Measured directly: all guest RAM in 2 MiB pages on host node 0, bound to it.
            AssertGuestRamOnNode(targetPid, node: 0);

            // The counter went on from where it was on alpha: never back, and still counting on beta.
            Assert.True(source.Counts.Count >= 3, $"counts seen on alpha: [{string.Join(", ", source.Counts)}]");
            var onBeta = await CountingVm.WaitCountsAsync(cluster.SerialLog(Beta, uid), atLeast: source.Counts[^1] + 3, TimeSpan.FromSeconds(60));
            Assert.Null(GuestCounter.StepBack([.. source.Counts, .. onBeta]));
            output.WriteLine($"alpha counted to {source.Counts[^1]}, beta went on from {onBeta[0]} to {onBeta[^1]}");

            // Alpha's pages are free again: as many in use as with the VM on alpha alone.
            Assert.True(await StandaloneRun.WaitUsedPagesAtMostAsync(usedWithVm, TimeSpan.FromSeconds(30)), $"2 MiB pages in use: {StandaloneRun.UsedPages()}, with the VM before: {usedWithVm}");
        }
        finally
        {
            output.WriteLine(cluster.Output);
        }
    }

    [SkippableFact]
    public async Task Killing_the_destination_agent_and_its_incoming_qemu_mid_migration_fails_the_move_and_the_VM_keeps_running_and_counting_on_alpha()
    {
        Skip.IfNot(TwoAgentTests.CanRun, TwoAgentTests.SkipReason);
        await using var cluster = await StartAsync(pages: 2 * CountingVm.Pages, startBeta: false);
        try
        {
            var vm = await CountingVm.StartAsync(cluster, "stayer", Alpha, selectNode: false);
            await cluster.StartBetaAsync();
            var uid = (string)vm["metadata"]!["uid"]!;
            var sourcePid = Assert.Single(HostProcesses.QemuWithUuid(uid));
            var usedWithVm = StandaloneRun.UsedPages();
            var serial = cluster.SerialLog(Alpha, uid);

            // 4 MiB/s: the RAM copy takes seconds, time to kill the destination while it runs.
            await cluster.ApplyAsync("doomed", MigrationObjects.Manifest("doomed", "stayer", targetNode: Beta, bandwidth: "4Mi"));
            var phases = new List<string>();
            var running = await MigrationObjects.WaitAsync(
                cluster, "doomed", m => MigrationObjects.Phase(m) is MigrationPhases.Running or MigrationPhases.Failed or MigrationPhases.Succeeded, MoveTimeout, phases);
            Assert.True(MigrationObjects.Phase(running) == MigrationPhases.Running, MigrationObjects.Describe(running));
            var incomingPid = Assert.Single(HostProcesses.QemuWithUuid(uid).Except([sourcePid]));
            Assert.Contains(incomingPid, HostProcesses.QemuUnder(cluster.BetaStateDir));

            cluster.KillBeta();
            HostProcesses.Kill([incomingPid]);
            var ended = await MigrationObjects.WaitAsync(cluster, "doomed", m => MigrationPhases.IsTerminal(MigrationObjects.Phase(m)), MoveTimeout, phases);
            output.WriteLine($"phases: {string.Join(" → ", phases)}; {MigrationObjects.Describe(ended)}");
            Assert.True(MigrationObjects.Phase(ended) == MigrationPhases.Failed, MigrationObjects.Describe(ended));
            Assert.Equal(MigrationReasons.MigrationFailed, (string?)ended!["status"]!["reason"]);

            // The VM: still alpha's, Ready, the same QEMU, counting on.
            vm = await cluster.Kubectl.WaitVmAsync(
                "stayer", v => (string?)v?["status"]?["migration"]?["phase"] == MigrationPhases.Failed, TimeSpan.FromSeconds(60), cluster.Standalone);
            Assert.Equal(Alpha, (string?)vm!["status"]!["nodeName"]);
            Assert.Equal("True", Kubectl.Condition(vm, "Ready"));
            Assert.Equal([sourcePid], HostProcesses.QemuWithUuid(uid));
            var before = GuestCounter.Counts(serial);
            var after = await CountingVm.WaitCountsAsync(serial, atLeast: before[^1] + 3, TimeSpan.FromSeconds(60));
            Assert.Null(GuestCounter.StepBack(after));
            Assert.Equal([sourcePid], HostProcesses.QemuWithUuid(uid));

            // The target's pages (held by the killed incoming QEMU) are free again.
            Assert.True(await StandaloneRun.WaitUsedPagesAtMostAsync(usedWithVm, TimeSpan.FromSeconds(30)), $"2 MiB pages in use: {StandaloneRun.UsedPages()}, with the VM alone: {usedWithVm}");
        }
        finally
        {
            output.WriteLine(cluster.Output);
        }
    }

    /// <summary>/proc/PID/numa_maps: the hugetlbfs mappings (guest RAM) add up to the VM's RAM, all on <paramref name="node"/>, policy bind:<paramref name="node"/>, 2 MiB pages.</summary>
    private void AssertGuestRamOnNode(int pid, int node)
    {
        var text = File.ReadAllText($"/proc/{pid}/numa_maps");
        output.WriteLine($"/proc/{pid}/numa_maps (huge):\n{string.Join('\n', text.Split('\n').Where(l => l.Contains(" huge", StringComparison.Ordinal)))}");
        var ram = NumaMapsParser.Parse(text).Where(m => m.IsHuge).ToList();
        Assert.Equal(GuestRamBytes, ram.Sum(m => m.Bytes));
        Assert.All(ram, m =>
        {
            Assert.Equal($"bind:{node}", m.Policy);
            Assert.Equal(2L << 20, m.KernelPageBytes);
            Assert.Equal([node], m.PagesByNode.Where(kv => kv.Value > 0).Select(kv => kv.Key));
        });
    }
}
