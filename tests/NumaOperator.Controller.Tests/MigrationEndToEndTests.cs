using k8s;
using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Accounting;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests;

/// <summary>
/// The controller's side of live migration against the embedded API server; the test plays both agents by patching the
/// migration's phases (TargetReady, Running, TargetRunning) and the VM's Running status, as the agents would.
/// </summary>
public sealed class MigrationEndToEndTests
{
    private static GenericClient Migrations(ControllerFixture fixture) =>
        new(fixture.Client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachineMigration.Plural, disposeClient: false);

    private static Task<NumaVirtualMachineMigration> CreateMigrationAsync(ControllerFixture fixture, string name, string vmName, Action<NumaVirtualMachineMigrationSpec>? change = null)
    {
        var migration = new NumaVirtualMachineMigration
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
            Spec = new NumaVirtualMachineMigrationSpec { VmName = vmName },
        };
        change?.Invoke(migration.Spec);
        return Migrations(fixture).CreateNamespacedAsync(migration, "default");
    }

    private static Task<NumaVirtualMachineMigration> WaitForMigrationAsync(ControllerFixture fixture, string name, Func<NumaVirtualMachineMigration, bool> done, int seconds = 15) =>
        Eventually.UntilAsync(
            () => Migrations(fixture).ReadNamespacedAsync<NumaVirtualMachineMigration>("default", name),
            done,
            TimeSpan.FromSeconds(seconds),
            $"migration {name} converges",
            last => last.Status is null ? "none" : KubernetesJson.Serialize(last.Status),
            () => string.Empty,
            TimeSpan.FromMilliseconds(50));

    private static bool InPhase(NumaVirtualMachineMigration m, string phase) => m.Status?.Phase == phase;

    /// <summary>What an agent writes to the migration's status (a merge patch, no resourceVersion).</summary>
    private static async Task AgentPatchAsync(ControllerFixture fixture, string name, object status) =>
        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(KubernetesJson.Serialize(new { status }), V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachineMigration.Plural, name);

    /// <summary>The node agent started the VM: phase Running, Running=True.</summary>
    private static async Task<NumaVirtualMachine> RunningAsync(ControllerFixture fixture, string name)
    {
        var vm = await fixture.WaitForAsync(name, ControllerFixture.IsScheduled);
        var conditions = ConditionList.Set(vm.Status!.Conditions, VmConditions.Running, true, "Running", "QEMU runs", vm.Metadata.Generation, DateTime.UtcNow);
        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(KubernetesJson.Serialize(new { status = new { phase = VmConditions.PhaseRunning, conditions } }), V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, name);
        return await fixture.WaitForAsync(name, v => v.Status?.Phase == VmConditions.PhaseRunning);
    }

    /// <summary>Both agents' phases in order, the target's numa_maps measured on the target placement.</summary>
    private static async Task PlayAgentsAsync(ControllerFixture fixture, NumaVirtualMachineMigration scheduled)
    {
        var target = scheduled.Status!.TargetPlacement!;
        var name = scheduled.Metadata.Name;
        await AgentPatchAsync(fixture, name, new { phase = MigrationPhases.TargetReady, targetAddress = "127.0.0.1:49152" });
        await AgentPatchAsync(fixture, name, new { phase = MigrationPhases.Running, progress = new { dataTotal = 1L << 30, dataRemaining = 0L, downtimeMilliseconds = 37L, disks = MigrationDiskModes.Shared } });
        var numastat = new NumastatStatus
        {
            LocalRatio = "1.000",
            Nodes = [.. target.GuestNodes.Select(g => new NumastatNode { Node = g.HostNode, Bytes = 1L << 30 })],
        };
        await AgentPatchAsync(fixture, name, new { phase = MigrationPhases.TargetRunning, targetNumastat = numastat });
    }

    [Fact]
    public async Task A_same_node_move_to_the_other_numa_node_commits_status_label_and_ledger()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512, 512); // 1Gi per host NUMA node
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("db", size: "1Gi"));
        var running = await RunningAsync(fixture, "db");
        var sourceNuma = running.Status!.Placement!.GuestNodes[0].HostNode;

        await CreateMigrationAsync(fixture, "move-db", "db");
        var scheduled = await WaitForMigrationAsync(fixture, "move-db", m => InPhase(m, MigrationPhases.Scheduled));

        Assert.Equal("worker-1", scheduled.Status!.SourceNode);
        Assert.Equal("worker-1", scheduled.Status.TargetNode);
        Assert.Equal(running.Metadata.Uid, scheduled.Status.VmUid);
        Assert.Equal(1 - sourceNuma, scheduled.Status.TargetPlacement!.GuestNodes[0].HostNode);
        Assert.Equal(VmConditions.Unknown, ConditionList.Find(scheduled.Status.Conditions, VmConditions.Ready)!.Status);
        await fixture.WaitForAsync("db", v => v.Status?.Migration?.Phase == MigrationPhases.Scheduled);

        // While the move holds both NUMA nodes, a new VM of the same size fits nowhere.
        await fixture.CreateAsync(ControllerFixture.Vm("late", size: "1Gi"));
        await fixture.WaitForAsync("late", ControllerFixture.IsUnschedulable);

        await PlayAgentsAsync(fixture, scheduled);
        var succeeded = await WaitForMigrationAsync(fixture, "move-db", m => InPhase(m, MigrationPhases.Succeeded));

        Assert.Equal(VmConditions.True, ConditionList.Find(succeeded.Status!.Conditions, VmConditions.Ready)!.Status);
        Assert.NotNull(succeeded.Status.CompletionTime);
        Assert.Contains($"NUMA {sourceNuma} to node worker-1 NUMA {1 - sourceNuma}", succeeded.Status.Message, StringComparison.Ordinal);
        var moved = await fixture.GetAsync("db");
        Assert.Equal("worker-1", moved.Status!.NodeName);
        Assert.Equal(1 - sourceNuma, moved.Status.Placement!.GuestNodes[0].HostNode);
        Assert.Equal("1.000", moved.Status.Numastat!.LocalRatio);
        Assert.Equal(MigrationPhases.Succeeded, moved.Status.Migration!.Phase);
        Assert.Null(moved.Status.Migration.Failed);
        Assert.Equal("worker-1", moved.Metadata.Labels[ApiGroup.NodeLabel]);

        // The source NUMA node was released: the waiting VM is placed there.
        var late = await fixture.WaitForAsync("late", ControllerFixture.IsScheduled);
        Assert.Equal(sourceNuma, late.Status!.Placement!.GuestNodes[0].HostNode);
        var events = await fixture.Client.CoreV1.ListNamespacedEventAsync("default");
        Assert.Contains(events.Items, e => e.Reason == "Migrating" && e.InvolvedObject.Name == "db");
        Assert.Contains(events.Items, e => e.Reason == "Migrated" && e.InvolvedObject.Name == "db" && e.Message.Contains("downtime 37 ms", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_move_to_another_node_moves_the_label_and_the_placeholder_pod()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512);
        await fixture.AddNodeAsync("worker-2", 512);
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("db", size: "1Gi"));
        var running = await RunningAsync(fixture, "db");
        var source = running.Status!.NodeName!;
        var target = source == "worker-1" ? "worker-2" : "worker-1";
        var pods = fixture.Client.CoreV1;
        var podName = PlaceholderPod.NameOf("db");
        await ControllerFixture.EventuallyAsync(() => pods.ReadNamespacedPodAsync(podName, "default").ContinueWith(t => t.IsCompletedSuccessfully && t.Result.Spec.NodeName == source).Result);

        await CreateMigrationAsync(fixture, "move-db", "db", s => s.TargetNode = target);
        var scheduled = await WaitForMigrationAsync(fixture, "move-db", m => InPhase(m, MigrationPhases.Scheduled));
        Assert.Equal(target, scheduled.Status!.TargetNode);
        await PlayAgentsAsync(fixture, scheduled);
        await WaitForMigrationAsync(fixture, "move-db", m => InPhase(m, MigrationPhases.Succeeded));

        var moved = await fixture.WaitForAsync("db", v => v.Metadata.Labels is { } labels && labels.TryGetValue(ApiGroup.NodeLabel, out var node) && node == target);
        Assert.Equal(target, moved.Status!.NodeName);
        Assert.True(
            await ControllerFixture.EventuallyAsync(() => pods.ReadNamespacedPodAsync(podName, "default").ContinueWith(t => t.IsCompletedSuccessfully && t.Result.Spec.NodeName == target).Result),
            "the placeholder pod was not recreated on " + target);
    }

    [Fact]
    public async Task A_failed_move_releases_the_target_so_a_new_vm_can_use_it_and_the_vm_stays()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512);
        await fixture.AddNodeAsync("worker-2", 512);
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("db", size: "1Gi"));
        var running = await RunningAsync(fixture, "db");
        var target = running.Status!.NodeName == "worker-1" ? "worker-2" : "worker-1";
        await CreateMigrationAsync(fixture, "move-db", "db", s => s.TargetNode = target);
        await WaitForMigrationAsync(fixture, "move-db", m => InPhase(m, MigrationPhases.Scheduled));
        await fixture.CreateAsync(ControllerFixture.Vm("late", size: "1Gi"));
        await fixture.WaitForAsync("late", ControllerFixture.IsUnschedulable);

        await AgentPatchAsync(fixture, "move-db", new { phase = MigrationPhases.Failed, reason = MigrationReasons.MigrationFailed, message = "QEMU: migration stream broken" });

        var late = await fixture.WaitForAsync("late", ControllerFixture.IsScheduled);
        Assert.Equal(target, late.Status!.NodeName);
        var vm = await fixture.WaitForAsync("db", v => v.Status?.Migration?.Failed == true);
        Assert.Equal(running.Status.NodeName, vm.Status!.NodeName);
        Assert.Equal(KubernetesJson.Serialize(running.Status.Placement), KubernetesJson.Serialize(vm.Status.Placement));
        var events = await fixture.Client.CoreV1.ListNamespacedEventAsync("default");
        Assert.Contains(events.Items, e => e.Reason == "MigrationFailed" && e.InvolvedObject.Name == "db");
    }

    [Fact]
    public async Task A_move_refused_for_lack_of_pages_fails_unschedulable_and_leaves_the_vm_untouched()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512, 256);
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("db", size: "1Gi"));
        var running = await RunningAsync(fixture, "db");

        await CreateMigrationAsync(fixture, "move-db", "db", s => s.TargetNumaNodes = "1");
        var failed = await WaitForMigrationAsync(fixture, "move-db", m => InPhase(m, MigrationPhases.Failed));

        Assert.Equal(MigrationReasons.Unschedulable, failed.Status!.Reason);
        Assert.StartsWith("0/1 nodes fit: 1 ", failed.Status.Message, StringComparison.Ordinal);
        Assert.Equal(VmConditions.False, ConditionList.Find(failed.Status.Conditions, VmConditions.Ready)!.Status);
        Assert.Equal(VmConditions.True, ConditionList.Find(failed.Status.Conditions, VmConditions.Stalled)!.Status);
        var vm = await fixture.WaitForAsync("db", v => v.Status?.Migration?.Failed == true);
        Assert.Equal(running.Status!.NodeName, vm.Status!.NodeName);
        Assert.Equal(KubernetesJson.Serialize(running.Status.Placement), KubernetesJson.Serialize(vm.Status.Placement));
        Assert.Equal(VmConditions.PhaseRunning, vm.Status.Phase);
    }

    [Fact]
    public async Task A_second_migration_of_a_moving_vm_and_a_migration_of_a_stopped_vm_are_refused()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512, 512);
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("db", size: "512Mi"));
        await RunningAsync(fixture, "db");
        await fixture.CreateAsync(ControllerFixture.Vm("idle", size: "512Mi"));
        await fixture.WaitForAsync("idle", ControllerFixture.IsScheduled);

        await CreateMigrationAsync(fixture, "first", "db");
        await WaitForMigrationAsync(fixture, "first", m => InPhase(m, MigrationPhases.Scheduled));
        await CreateMigrationAsync(fixture, "second", "db");
        await CreateMigrationAsync(fixture, "not-running", "idle");
        await CreateMigrationAsync(fixture, "nobody", "ghost");

        var second = await WaitForMigrationAsync(fixture, "second", m => InPhase(m, MigrationPhases.Failed));
        Assert.Equal(MigrationReasons.AlreadyMigrating, second.Status!.Reason);
        Assert.Contains("NumaVirtualMachineMigration first", second.Status.Message, StringComparison.Ordinal);
        var notRunning = await WaitForMigrationAsync(fixture, "not-running", m => InPhase(m, MigrationPhases.Failed));
        Assert.Equal(MigrationReasons.VmNotRunning, notRunning.Status!.Reason);
        var nobody = await WaitForMigrationAsync(fixture, "nobody", m => InPhase(m, MigrationPhases.Failed));
        Assert.Equal(MigrationReasons.InvalidRequest, nobody.Status!.Reason);
        Assert.StartsWith("spec.vmName: Not found: \"ghost\"", nobody.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_move_that_does_not_complete_in_time_fails_timed_out_and_releases_its_target()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512, 512);
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("db", size: "1Gi"));
        await RunningAsync(fixture, "db");

        await CreateMigrationAsync(fixture, "slow", "db", s => s.CompletionTimeoutSeconds = 1);
        var failed = await WaitForMigrationAsync(fixture, "slow", m => InPhase(m, MigrationPhases.Failed), seconds: 20);

        Assert.Equal(MigrationReasons.TimedOut, failed.Status!.Reason);
        await fixture.CreateAsync(ControllerFixture.Vm("late", size: "1Gi"));
        await fixture.WaitForAsync("late", ControllerFixture.IsScheduled);
    }

    [Fact]
    public async Task Deleting_the_vm_mid_move_cancels_the_migration_and_the_vm_waits_for_its_qemu_to_stop()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512, 512);
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("db", size: "1Gi"));
        await RunningAsync(fixture, "db");
        await CreateMigrationAsync(fixture, "move-db", "db");
        await WaitForMigrationAsync(fixture, "move-db", m => InPhase(m, MigrationPhases.Scheduled));
        await AgentPatchAsync(fixture, "move-db", new { phase = MigrationPhases.TargetReady, targetAddress = "127.0.0.1:49152" });

        await fixture.Vms.DeleteNamespacedAsync<NumaVirtualMachine>("default", "db");

        var cancelled = await WaitForMigrationAsync(fixture, "move-db", m => InPhase(m, MigrationPhases.Failed));
        Assert.Equal(MigrationReasons.Cancelled, cancelled.Status!.Reason);
        var deleting = await fixture.WaitForAsync("db", v => v.Status?.Migration?.Failed == true);
        Assert.NotNull(deleting.Metadata.DeletionTimestamp);
        Assert.Contains(ApiGroup.Finalizer, deleting.Metadata.Finalizers); // QEMU still runs on the source: the agent reports it gone first
    }
}
