using k8s;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests;

/// <summary>A Node object deleted while its VMs wait in deletion for the agent: no agent will ever report, so they go.</summary>
public sealed class NodeDeletionTests
{
    [Fact]
    public async Task Deleting_the_node_releases_its_vms_in_deletion_and_their_capacity()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512); // room for one VM of 1Gi
        var controller = fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("a", size: "1Gi"));
        await fixture.WaitForAsync("a", ControllerFixture.IsScheduled);

        // The agent reports QEMU running, then the VM is deleted: the finalizer holds it.
        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"phase":"Running"}}""", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "a");
        await fixture.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "a");
        await Eventually.ConsistentlyAsync(
            () => fixture.GetAsync("a"),
            vm => vm.Metadata.DeletionTimestamp is not null && (vm.Metadata.Finalizers?.Contains(ApiGroup.Finalizer) ?? false),
            TimeSpan.FromMilliseconds(500),
            "the finalizer holds the deleted VM while its QEMU runs");
        var held = await fixture.GetAsync("a");
        Assert.NotNull(held.Metadata.DeletionTimestamp);
        Assert.Contains(ApiGroup.Finalizer, held.Metadata.Finalizers!);
        Assert.Equal(1, controller.Scheduling.Reconciler!.PlacedCount);

        // The node is gone for good (its agent with it): the finalizer goes, and so does the placement.
        await fixture.Client.CoreV1.DeleteNodeAsync("worker-1");
        await Eventually.HoldsAsync(
            async () => !(await fixture.ListAsync()).Items.Any(v => v.Metadata.Name == "a"), TimeSpan.FromSeconds(15), "the VM on the deleted node loses its finalizer and is gone", TimeSpan.FromMilliseconds(50));

        Assert.True(await ControllerFixture.EventuallyAsync(() => controller.Scheduling.Reconciler!.PlacedCount == 0), "the placement was not released");

        // A node of the same name joins again (its NumaNodeTopology was kept): the released capacity is free.
        await fixture.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "worker-1", Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = "worker-1" } } });
        await fixture.CreateAsync(ControllerFixture.Vm("b", size: "1Gi"));
        var placed = await fixture.WaitForAsync("b", ControllerFixture.IsScheduled);
        Assert.Equal("worker-1", placed.Status!.NodeName);
    }
}
