using k8s;
using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// The VM reconciler does not fight a live migration: a VM whose QEMU is gone from STATE/vms/UID while this node holds
/// its incoming QEMU (STATE/incoming/UID: the guest already runs there, TargetRunning, when the agent restarted) is
/// neither started again nor reported exited; the migration driver hands that QEMU over once the controller commits.
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
        await CreateReceivedMigrationAsync(fixture, (await fixture.VmAsync("moving"))!);
        var (restarted, _) = fixture.StartAgent(VmLifecycleWithoutQemuTests.Options(), runtime);
        await restarted.WaitReadyAsync(CancellationToken.None).WaitAsync(Within);

        await Eventually.ConsistentlyAsync(() => Task.FromResult(runtime.Starts(uid)), starts => starts == 1, TimeSpan.FromSeconds(3), "no second QEMU started for the VM being received");
        var vm = await fixture.VmAsync("moving");
        Assert.Null(vm!.Status!.Restarts?.LastExitTime);
        await Eventually.HoldsAsync(() => Task.FromResult(!runtime.HasIncomingDirectory(uid) && runtime.HasStateDirectory(uid)), Within, "the incoming QEMU handed over to STATE/vms/UID");
        Assert.Equal(1, runtime.Starts(uid));
    }

    /// <summary>A same-node move whose target already runs the guest (TargetRunning): the target placement is the VM's own.</summary>
    private static async Task CreateReceivedMigrationAsync(AgentFixture fixture, NumaVirtualMachine vm)
    {
        var migration = new NumaVirtualMachineMigration { Metadata = new() { Name = "moving-migration", NamespaceProperty = "default" }, Spec = new() { VmName = "moving" } };
        await fixture.Client.CustomObjects.CreateNamespacedCustomObjectAsync(migration, ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachineMigration.Plural);
        var status = new NumaVirtualMachineMigrationStatus
        {
            Phase = MigrationPhases.TargetRunning,
            VmUid = vm.Metadata.Uid,
            SourceNode = vm.Status!.NodeName,
            TargetNode = vm.Status.NodeName,
            SourcePlacement = vm.Status.Placement,
            TargetPlacement = vm.Status.Placement,
            StartTime = DateTime.UtcNow,
        };
        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(KubernetesJson.Serialize(new { status }), V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachineMigration.Plural, migration.Metadata.Name);
    }
}
