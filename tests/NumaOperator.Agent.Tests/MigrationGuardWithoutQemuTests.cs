using k8s;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// The VM reconciler does not fight a live migration: a VM whose QEMU is gone from STATE/vms/UID while this node holds
/// its incoming QEMU (STATE/incoming/UID, mid-handover when an agent restarted) is neither started again nor reported
/// exited; it waits for the migration driver to hand that QEMU over.
/// </summary>
public sealed class MigrationGuardWithoutQemuTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_vm_this_node_is_receiving_is_not_started_again_while_its_incoming_dir_exists()
    {
        var runtime = new FakeVmRuntime();
        await using var fixture = await AgentFixture.StartAsync();
        await fixture.AddNodeAsync("fake-node");
        var (agent, index) = fixture.StartAgent(VmLifecycleWithoutQemuTests.Options(), runtime);
        fixture.StartController();
        await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(Within);
        var uid = Guid.Parse((await fixture.CreateVmAsync(AgentTestVms.Vm("moving"), new List<Guid>())).Metadata.Uid);
        await Eventually.UntilAsync(() => fixture.VmAsync("moving"), AgentTestVms.IsReady, Within, "moving Ready", vm => KubernetesJson.Serialize(vm?.Status), () => fixture.Log);
        await fixture.StopAsync(index);

        // Mid-handover: the source's QEMU and STATE/vms/UID are gone, the incoming QEMU waits in STATE/incoming/UID.
        runtime.Kill(uid);
        runtime.ClearStateDirectory(uid);
        runtime.LeaveIncoming(uid);
        var (restarted, _) = fixture.StartAgent(VmLifecycleWithoutQemuTests.Options(), runtime);
        await restarted.WaitReadyAsync(CancellationToken.None).WaitAsync(Within);

        await Eventually.ConsistentlyAsync(() => Task.FromResult(runtime.Starts(uid)), starts => starts == 1, TimeSpan.FromSeconds(3), "no second QEMU started for the VM being received");
        var vm = await fixture.VmAsync("moving");
        Assert.Null(vm!.Status!.Restarts?.LastExitTime);
        Assert.True(runtime.HasIncomingDirectory(uid));
    }
}
