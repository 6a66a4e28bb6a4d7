using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Controller.Scheduling;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests;

/// <summary>The scheduling controller against the embedded API server through the real KubernetesClient, simulated nodes, no agent.</summary>
public sealed class SchedulingEndToEndTests
{
    [Fact]
    public async Task Places_a_vm_and_records_placement_node_label_finalizer_and_scheduled()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 1024, 1024);
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("db1", cores: 2, size: "1Gi", dedicated: true));

        var vm = await fixture.WaitForAsync("db1", v => ControllerFixture.IsScheduled(v) && v.Metadata.Labels?.ContainsKey(ApiGroup.NodeLabel) == true);
        Assert.Equal("worker-1", vm.Status!.NodeName);
        Assert.Equal("worker-1", vm.Metadata.Labels![ApiGroup.NodeLabel]);
        Assert.Contains(ApiGroup.Finalizer, vm.Metadata.Finalizers!);
        // Every status write carries observedGeneration; with Reconciling=True (no agent has started it yet) kstatus
        // reads InProgress, not Current. The Scheduled condition carries the generation it saw.
        Assert.Equal(vm.Metadata.Generation, vm.Status.ObservedGeneration);
        var reconciling = ConditionList.Find(vm.Status.Conditions, SchedulingReconciler.ConditionReconciling)!;
        Assert.Equal(("True", ProgressConditions.ReasonWaitingForAgent), (reconciling.Status, reconciling.Reason));
        Assert.Equal(vm.Metadata.Generation, ConditionList.Find(vm.Status.Conditions, SchedulingStatus.ConditionType)!.ObservedGeneration);
        var guest = Assert.Single(vm.Status.Placement!.GuestNodes);
        Assert.Equal("1Gi", guest.Memory);
        Assert.Equal(2, Numa.Quantities.CpuSet.Parse(guest.HostCpus).Count);
        Assert.Null(ConditionList.Find(vm.Status.Conditions, SchedulingReconciler.ConditionStalled));
    }

    [Fact]
    public async Task Unschedulable_gets_reason_and_event_then_is_placed_when_capacity_is_freed()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512); // 1 GiB of 2Mi pages
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("a", size: "1Gi"));
        await fixture.WaitForAsync("a", ControllerFixture.IsScheduled);
        await fixture.CreateAsync(ControllerFixture.Vm("b", size: "1Gi"));

        var waiting = await fixture.WaitForAsync("b", ControllerFixture.IsUnschedulable);
        var scheduled = ConditionList.Find(waiting.Status!.Conditions, SchedulingStatus.ConditionType)!;
        Assert.StartsWith("0/1 nodes", scheduled.Message, StringComparison.Ordinal);
        Assert.True(ConditionList.IsTrue(waiting.Status.Conditions, SchedulingReconciler.ConditionReconciling));
        Assert.Null(waiting.Status.Placement);
        // The Event follows the status write.
        var events = await Eventually.LastReadingAsync(
            () => fixture.Client.CoreV1.ListNamespacedEventAsync("default"), list => list.Items.Any(e => e.InvolvedObject.Name == "b"), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

        Assert.Contains(events.Items, e => e.Reason == SchedulingReconciler.EventFailedScheduling && e.InvolvedObject.Name == "b" && e.Type == "Warning");

        // Deleting "a": no agent ever ran it (phase Scheduled, no Running condition) — simulate the agent's report first.
        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"phase":"Stopped"}}""", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "a");
        await fixture.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "a");
        var placed = await fixture.WaitForAsync("b", ControllerFixture.IsScheduled);
        Assert.Equal("worker-1", placed.Status!.NodeName);
        Assert.Equal(ProgressConditions.ReasonWaitingForAgent, ConditionList.Find(placed.Status.Conditions, SchedulingReconciler.ConditionReconciling)!.Reason);
    }

    [Fact]
    public async Task Deletion_waits_for_the_agents_qemu_gone_report_then_releases_and_removes_the_finalizer()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512);
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("a", size: "1Gi"));
        await fixture.WaitForAsync("a", ControllerFixture.IsScheduled);

        // The agent reports QEMU running; deletion must wait.
        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"phase":"Running"}}""", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "a");
        await fixture.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "a");
        await fixture.CreateAsync(ControllerFixture.Vm("b", size: "1Gi"));
        await fixture.WaitForAsync("b", ControllerFixture.IsUnschedulable);
        await Eventually.ConsistentlyAsync(() => fixture.GetAsync("a"), HeldByFinalizer, TimeSpan.FromMilliseconds(500), "the finalizer holds the deleted VM while its QEMU runs");
        var held = await fixture.GetAsync("a");
        Assert.NotNull(held.Metadata.DeletionTimestamp);
        Assert.Contains(ApiGroup.Finalizer, held.Metadata.Finalizers!);

        // The agent stopped QEMU: the VM goes, its pages go to "b".
        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"phase":"Stopped"}}""", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "a");
        await fixture.WaitForAsync("b", ControllerFixture.IsScheduled);
        Assert.DoesNotContain((await fixture.ListAsync()).Items, v => v.Metadata.Name == "a");
    }

    [Fact]
    public async Task A_vm_deleted_before_its_node_label_was_written_gets_the_label_so_its_agent_can_report_it_stopped()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512);
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("a", size: "1Gi"));
        await fixture.WaitForAsync("a", ControllerFixture.IsScheduled);
        await fixture.StopControllerAsync(0);

        // The placement is written but its label is not (the controller stopped between the two writes), and the VM is
        // deleted before any controller runs again: the agent, which selects by that label, has never seen it.
        await fixture.Vms.PatchNamespacedAsync<NumaVirtualMachine>(
            new V1Patch(new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [ApiGroup.NodeLabel] = null } } }.ToJsonString(), V1Patch.PatchType.MergePatch), "default", "a");
        await fixture.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "a");
        fixture.StartController();
        var told = await fixture.WaitForAsync("a", v => v.Metadata.Labels is { } labels && labels.TryGetValue(ApiGroup.NodeLabel, out var node) && node == "worker-1");
        Assert.True(HeldByFinalizer(told), "the finalizer holds the VM until its agent reports");

        // The agent now sees it and reports its QEMU gone: the VM goes.
        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"phase":"Stopped"}}""", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "a");
        await Eventually.HoldsAsync(
            async () => !(await fixture.ListAsync()).Items.Any(v => v.Metadata.Name == "a"), TimeSpan.FromSeconds(15), "the stopped VM loses its finalizer and is gone", TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task Spec_change_on_a_placed_vm_requires_a_restart_and_is_replaced_after_stop_and_start()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 2048);
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("a", cores: 2, size: "1Gi"));
        await fixture.WaitForAsync("a", ControllerFixture.IsScheduled);

        await fixture.Vms.PatchNamespacedAsync<NumaVirtualMachine>(
            new V1Patch("""{"spec":{"memory":{"size":"2Gi"}}}""", V1Patch.PatchType.MergePatch), "default", "a");
        var changed = await fixture.WaitForAsync("a", v => ConditionList.IsTrue(v.Status?.Conditions, SchedulingReconciler.ConditionRestartRequired));
        Assert.Equal("1Gi", changed.Status!.Placement!.GuestNodes[0].Memory); // keeps running on its placement
        Assert.Contains("spec.memory.size", ConditionList.Find(changed.Status.Conditions, SchedulingReconciler.ConditionRestartRequired)!.Message, StringComparison.Ordinal);

        // Stop (the agent reports QEMU gone), then the new spec is placed.
        await fixture.Vms.PatchNamespacedAsync<NumaVirtualMachine>(new V1Patch("""{"spec":{"running":false}}""", V1Patch.PatchType.MergePatch), "default", "a");
        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"phase":"Stopped"}}""", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "a");
        var replaced = await fixture.WaitForAsync("a", v => v.Status?.Placement?.GuestNodes[0].Memory == "2Gi");
        Assert.True(ControllerFixture.IsScheduled(replaced));
        Assert.Null(ConditionList.Find(replaced.Status!.Conditions, SchedulingReconciler.ConditionRestartRequired));
    }

    [Fact]
    public async Task Only_the_leader_schedules_and_the_other_takes_over_without_double_booking()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512, 512);
        var first = fixture.StartController("controller-a");
        var second = fixture.StartController("controller-b");
        for (var i = 0; i < 2; i++)
        {
            await fixture.CreateAsync(ControllerFixture.Vm($"vm{i}", size: "512Mi", dedicated: true));
        }

        await fixture.WaitForAsync("vm1", ControllerFixture.IsScheduled);
        Assert.True(first.IsLeader ^ second.IsLeader, "exactly one controller leads");
        var leaderIndex = first.IsLeader ? 0 : 1;
        var follower = first.IsLeader ? second : first;
        await fixture.StopControllerAsync(leaderIndex);

        for (var i = 2; i < 5; i++)
        {
            await fixture.CreateAsync(ControllerFixture.Vm($"vm{i}", size: "512Mi", dedicated: true));
        }

        // Capacity: 2 NUMA nodes × 512 pages = 4 VMs of 512Mi; the fifth must wait.
        var all = (await Eventually.LastReadingAsync(
            fixture.ListAsync, list => list.Items.Count(v => ControllerFixture.IsScheduled(v) || ControllerFixture.IsUnschedulable(v)) >= 5, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100))).Items;

        Assert.True(follower.IsLeader);
        Assert.Equal(4, all.Count(ControllerFixture.IsScheduled));
        Assert.Single(all, ControllerFixture.IsUnschedulable);
        Assert.Empty(ControllerFixture.DoubleBookings(all, 512));
    }

    private static bool HeldByFinalizer(NumaVirtualMachine vm) =>
        vm.Metadata.DeletionTimestamp is not null && (vm.Metadata.Finalizers?.Contains(ApiGroup.Finalizer) ?? false);
}
