using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// Capacity is what is really free: pages another process holds on the host (as a hugepage pod would) are not promised
/// to a VM; it waits Unschedulable with the reason, never PreflightFailed, and runs once they are given back. Real
/// /sys, real hugepages, the real agent and controller, real QEMU.
/// </summary>
[Collection(RealQemuGroup.Name)]
public sealed class HeldHugepagesTests(QemuHost host) : IDisposable
{
    private const string Node = "qemu-node";
    private const long VmPages = 32; // 64Mi of 2Mi pages
    private readonly string stateDir = Path.Combine("/tmp", "nah-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string imageRoot = Directory.CreateTempSubdirectory("numaop-agent-images-").FullName;
    private readonly List<Guid> uids = [];

    [SkippableFact]
    public async Task Pages_a_process_holds_are_not_promised_the_vm_waits_unschedulable_and_runs_once_they_are_given_back()
    {
        Skip.IfNot(host.Available, QemuHost.SkipReason);
        using var pages = host.Reserve(VmPages + 8);
        var free = host.FreePages;
        IDisposable? held = host.Hold(free - (VmPages - 1)); // leaves VmPages − 1 free on host node 0
        try
        {
            Skip.If(host.FreePages != VmPages - 1, $"the held pages did not all come from host node 0 ({host.FreePages} free there)");
            await using var fixture = await AgentFixture.StartAsync();
            await fixture.AddNodeAsync(Node);
            var (agent, _) = fixture.StartAgent(new AgentOptions
            {
                NodeName = Node,
                StateDirectory = stateDir,
                ImageRoot = imageRoot,
                TopologyPollInterval = TimeSpan.FromMilliseconds(500),
                HeartbeatInterval = TimeSpan.FromSeconds(5),
                StopGrace = TimeSpan.FromSeconds(1),
            });
            fixture.StartController();
            await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

            await fixture.CreateVmAsync(AgentTestVms.Vm("vm1"), uids);
            var waiting = await fixture.WaitForAsync(
                () => fixture.VmAsync("vm1"), v => ConditionList.Find(v?.Status?.Conditions, VmConditions.Scheduled)?.Reason == SchedulingStatus.ReasonUnschedulable, "vm1 Unschedulable");
            Assert.Contains($"{VmPages} free 2Mi pages", ConditionList.Find(waiting!.Status!.Conditions, VmConditions.Scheduled)!.Message, StringComparison.Ordinal);
            // Never placed, so never handed to the agent, never PreflightFailed.
            await Eventually.ConsistentlyAsync(
                () => fixture.VmAsync("vm1"),
                still => still!.Status!.Placement is null && ConditionList.Find(still.Status.Conditions, VmConditions.Running) is null,
                TimeSpan.FromSeconds(1),
                "vm1 stays unplaced while the pages are held");

            // The process gives its pages back: the agent publishes them free, the VM is placed and runs.
            held.Dispose();
            held = null;
            await fixture.WaitForAsync(() => fixture.VmAsync("vm1"), AgentTestVms.IsReady, "vm1 placed and Ready once the pages are free", seconds: 60);
        }
        finally
        {
            held?.Dispose();
        }
    }

    public void Dispose() => QemuHost.CleanUp(uids, stateDir, imageRoot);
}
