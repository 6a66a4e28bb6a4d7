using System.Globalization;
using NumaOperator.Tests.Shared;
using Xunit.Abstractions;

namespace NumaOperator.Standalone.Tests;

/// <summary>
/// `numa-operator standalone` as a user runs it: the built CLI in the background with real QEMU, real hugepages and the
/// real kubectl. One class, so its VMs never run at the same time (two cores, TCG).
/// </summary>
[Collection(StandaloneSerial.Name)]
public sealed class StandaloneEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(3);

    private static string SkipReason => "needs root, qemu-system-x86_64, /usr/bin/kubectl and 2 MiB hugepages on host node 0";

    private static bool CanRun => HostCapabilities.IsRoot && HostCapabilities.HasQemu && Kubectl.Available
        && Directory.Exists("/sys/devices/system/node/node0/hugepages/hugepages-2048kB");

    [SkippableFact]
    public async Task Apply_then_kill_9_and_restart_adopts_the_same_QEMU_then_delete_frees_everything()
    {
        Skip.IfNot(CanRun, SkipReason);
        await using var run = new StandaloneRun("sa-e2e");
        var kubectl = new Kubectl(run.Kubeconfig);
        string[] args =
        [
            "standalone", "--data-dir", run.DataDir, "--kubeconfig-out", run.Kubeconfig, "--apply", run.Manifest,
            "--reserve-hugepages", "2Mi:" + StandaloneRun.Pages, "--sample-interval", "1s", "--stop-grace", "2s",
        ];
        var started = DateTime.UtcNow;

        string uuid;
        int qemuPid;
        string firstOutput;
        using (var first = new BackgroundCli(args))
        {
            await first.WaitForOutputAsync("numavirtualmachine/default/sa-e2e created", TimeSpan.FromMinutes(1));
            var vm = await kubectl.WaitVmAsync(run.VmName, v => Kubectl.Condition(v, "Ready") == "True", ReadyTimeout, first);
            output.WriteLine(first.Stdout);
            Assert.Equal("Running", (string?)vm!["status"]!["phase"]);
            Assert.Equal("True", Kubectl.Condition(vm, "NumaAligned"));
            var numastat = vm["status"]!["numastat"]!;
            Assert.Equal("1.000", (string?)numastat["localRatio"]);
            var sampledAt = DateTime.Parse((string)numastat["sampledAt"]!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
            Assert.InRange(sampledAt, started.AddSeconds(-2), DateTime.UtcNow.AddSeconds(2));
            var node0 = numastat["nodes"]!.AsArray().Single(n => (int)n!["node"]! == 0);
            Assert.Equal(64L << 20, (long)node0!["bytes"]!);

            // The table kubectl prints (printer columns) shows it too.
            var (code, table, _) = await kubectl.RunAsync("get", "nvm");
            Assert.Equal(0, code);
            Assert.Matches(@"sa-e2e\s+Running", table);

            firstOutput = first.Stdout;
            uuid = (string)vm["metadata"]!["uid"]!;
            qemuPid = Assert.Single(HostProcesses.QemuWithUuid(uuid));
            first.KillHard();
        }

        Assert.True(HostProcesses.IsAlive(qemuPid), "QEMU must survive kill -9 of standalone");
        using var second = new BackgroundCli(args);
        await second.WaitForOutputAsync("numavirtualmachine/default/sa-e2e", TimeSpan.FromMinutes(1));
        var adopted = await kubectl.WaitVmAsync(run.VmName, v => Kubectl.Condition(v, "Ready") == "True", ReadyTimeout, second);
        Assert.Equal(uuid, (string?)adopted!["metadata"]!["uid"]);
        Assert.Equal([qemuPid], HostProcesses.QemuWithUuid(uuid));
        Assert.Contains("numavirtualmachine/default/sa-e2e unchanged", second.Stdout, StringComparison.Ordinal);

        var usedWhileRunning = StandaloneRun.UsedPages();
        var (deleted, _, deleteError) = await kubectl.RunAsync("delete", "nvm", run.VmName, "--timeout=120s");
        Assert.True(deleted == 0, deleteError);
        Assert.Null(await kubectl.GetVmAsync(run.VmName));
        Assert.False(HostProcesses.IsAlive(qemuPid), "QEMU must be gone (or a zombie) once the VM is deleted");
        Assert.Empty(HostProcesses.QemuWithUuid(uuid));
        // Pages in use drop by the VM's 32 (polled: other test projects may start or stop VMs on this host meanwhile).
        Assert.True(await StandaloneRun.WaitUsedPagesAtMostAsync(usedWhileRunning - StandaloneRun.Pages, TimeSpan.FromSeconds(10)), $"hugepages in use stayed above {usedWhileRunning - StandaloneRun.Pages} after the delete");

        // Ctrl+C with no VM left: a clean exit that gives back the pages it reserved.
        var exit = await second.InterruptAsync(TimeSpan.FromSeconds(60));
        output.WriteLine(second.Output);
        Assert.Equal(0, exit);
        AssertGivenBackWhatWasRaised(first: firstOutput, second.Stdout);
        Assert.False(File.Exists(Path.Combine(run.DataDir, "hugepages.json")), "the reservation record is removed once given back");
    }

    [SkippableFact]
    public async Task Exit_when_ready_prints_placement_and_measured_numastat_then_stops_the_VM()
    {
        Skip.IfNot(CanRun, SkipReason);
        await using var run = new StandaloneRun("sa-ready");
        var result = await CliProcess.RunAsync(
            TimeSpan.FromMinutes(5),
            "standalone", "--data-dir", run.DataDir, "--kubeconfig-out", run.Kubeconfig, "--apply", run.Manifest,
            "--reserve-hugepages", "2Mi:" + StandaloneRun.Pages, "--sample-interval", "1s", "--stop-grace", "2s",
            "--exit-when-ready", "--stop-vms-on-exit", "--timeout", "3m");
        output.WriteLine(result.Stdout);
        output.WriteLine(result.Stderr);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("ready: the VM is Ready", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"default/sa-ready\s+.*Running\s+.*\s0\s+.*1\.000\s+.*True", result.Stdout);
        Assert.Contains("placed:   guest node 0 -> host node 0: 64Mi", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("measured: host node 0: 67108864 bytes (64.0 MiB)", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"localRatio 1\.000, sampledAt \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", result.Stdout);
        Assert.Contains("(the scheduler's ledger)", result.Stdout, StringComparison.Ordinal); // this host's NUMA picture, ASCII, with the final table
        Assert.Matches(@"\n  2Mi   #+\.*  \d+ placed, \d+ free of \d+", result.Stdout);
        Assert.Contains("stopped default/sa-ready", result.Stdout, StringComparison.Ordinal);
        AssertGivenBackWhatWasRaised(result.Stdout, result.Stdout);
        Assert.Empty(HostProcesses.QemuUnder(run.Directory));
    }

    /// <summary>
    /// Pages are raised only when free ones fall short (another test may hold a reservation already); whatever a run
    /// raised must be given back by the run that exits with no VM left.
    /// </summary>
    private static void AssertGivenBackWhatWasRaised(string first, string last)
    {
        var raised = System.Text.RegularExpressions.Regex.Match(first, @"host node 0: 2Mi pages (\d+) -> (\d+); given back on exit");
        if (raised.Success)
        {
            var count = long.Parse(raised.Groups[2].Value, CultureInfo.InvariantCulture) - long.Parse(raised.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.Matches(@"host node 0: 2Mi pages (\d+) -> (\d+) \(given back\)", last);
            var back = System.Text.RegularExpressions.Regex.Match(last, @"host node 0: 2Mi pages (\d+) -> (\d+) \(given back\)");
            Assert.Equal(count, long.Parse(back.Groups[1].Value, CultureInfo.InvariantCulture) - long.Parse(back.Groups[2].Value, CultureInfo.InvariantCulture));
        }
        else
        {
            Assert.Contains("enough for 32; unchanged", first, StringComparison.Ordinal);
            Assert.DoesNotContain("(given back)", last, StringComparison.Ordinal);
        }
    }
}
