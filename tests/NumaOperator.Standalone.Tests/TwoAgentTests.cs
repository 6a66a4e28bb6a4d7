using NumaOperator.Tests.Shared;
using Xunit.Abstractions;

namespace NumaOperator.Standalone.Tests;

/// <summary>
/// The two-node harness the migration tests stand on: standalone as node alpha plus a second `numa-operator agent`
/// process as node beta, on this one machine (<see cref="TwoAgentCluster"/>).
/// </summary>
[Collection(StandaloneSerial.Name)]
public sealed class TwoAgentTests(ITestOutputHelper output)
{
    internal static bool CanRun => HostCapabilities.IsRoot && HostCapabilities.HasQemu && Kubectl.Available
        && Directory.Exists("/sys/devices/system/node/node0/hugepages/hugepages-2048kB");

    internal const string SkipReason = "needs root, qemu-system-x86_64, /usr/bin/kubectl and 2 MiB hugepages on host node 0";

    [SkippableFact]
    public async Task Two_agents_on_one_host_are_both_Ready_and_a_VM_selected_onto_beta_runs_under_the_beta_agent_with_its_state_there()
    {
        Skip.IfNot(CanRun, SkipReason);
        var usedBefore = StandaloneRun.UsedPages();
        string? uid = null;
        await using (var cluster = await TwoAgentCluster.StartAsync(pages: CountingVm.Pages))
        {
            try
            {
                Assert.Equal("True", Kubectl.Condition(await cluster.GetTopologyAsync(TwoAgentCluster.Alpha), "Ready"));
                Assert.Equal("True", Kubectl.Condition(await cluster.GetTopologyAsync(TwoAgentCluster.Beta), "Ready"));

                var vm = await CountingVm.StartAsync(cluster, "on-beta", TwoAgentCluster.Beta);
                uid = (string)vm["metadata"]!["uid"]!;
                Assert.Equal(0, (int)vm["status"]!["placement"]!["guestNodes"]![0]!["hostNode"]!);
                Assert.Equal("True", Kubectl.Condition(vm, "NumaAligned"));

                // Beta's QEMU, from beta's state dir; alpha holds nothing of it.
                var pid = Assert.Single(HostProcesses.QemuWithUuid(uid));
                Assert.Equal([pid], HostProcesses.QemuUnder(cluster.BetaStateDir));
                Assert.Empty(HostProcesses.QemuUnder(cluster.AlphaStateDir));
                Assert.True(Directory.Exists(Path.Combine(cluster.BetaStateDir, "vms", uid)));
                Assert.False(Directory.Exists(Path.Combine(cluster.AlphaStateDir, "vms", uid)));
                Assert.True(StandaloneRun.UsedPages() >= usedBefore + CountingVm.Pages, "the VM's 64 pages are in use");

                // The guest counts on, one a second, from 1.
                var counts = await CountingVm.WaitCountsAsync(cluster.SerialLog(TwoAgentCluster.Beta, uid), atLeast: 6, TimeSpan.FromSeconds(30));
                Assert.Equal(Enumerable.Range(1, counts.Count).Select(n => (long)n), counts);
            }
            finally
            {
                output.WriteLine(cluster.Output);
            }
        }

        // Disposed: both agents and the QEMU gone, the pages back.
        Assert.Empty(HostProcesses.QemuWithUuid(uid!));
        Assert.True(await StandaloneRun.WaitUsedPagesAtMostAsync(usedBefore, TimeSpan.FromSeconds(10)), $"2 MiB pages in use: {StandaloneRun.UsedPages()}, before: {usedBefore}");
    }
}
