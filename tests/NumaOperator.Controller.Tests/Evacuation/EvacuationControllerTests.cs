using k8s;
using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Evacuation;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests.Evacuation;

/// <summary>
/// The evacuation controller against the embedded API server: a node holding three LiveMigrate VMs and one None VM
/// is evacuated; this test plays the migration controller and the agents (it patches each migration to Succeeded and
/// moves its VM's status.nodeName), so only the evacuation's own decisions are under test.
/// </summary>
public sealed class EvacuationControllerTests
{
    private const string Source = "worker-a";
    private const string Target = "worker-b";
    private static readonly EvacuationOptions Limits = new() { ParallelMigrationsPerCluster = 2, ParallelOutboundMigrationsPerNode = 2 };

    [Fact]
    public async Task Evacuating_a_node_migrates_its_live_migrate_vms_within_the_limit_and_reports_the_none_vm_blocked()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync(Source, 1024);
        fixture.StartController(evacuation: Limits);
        foreach (var (name, strategy) in new[] { ("vm1", EvictionStrategies.LiveMigrate), ("vm2", EvictionStrategies.LiveMigrate), ("vm3", EvictionStrategies.LiveMigrate), ("keep", EvictionStrategies.None) })
        {
            var vm = ControllerFixture.Vm(name, cores: 1, size: "64Mi");
            vm.Spec.EvictionStrategy = strategy;
            await fixture.CreateAsync(vm);
            await MarkRunningAsync(fixture, await fixture.WaitForAsync(name, ControllerFixture.IsScheduled));
        }

        await fixture.AddNodeAsync(Target, 1024);
        await SetEvacuateAsync(fixture.Client, Source);

        // Two migrations (the per-cluster limit), and no third while both are unfinished.
        await Eventually.UntilAsync(
            () => EvacuationMigrationsAsync(fixture.Client),
            m => m.Count == 2,
            TimeSpan.FromSeconds(15),
            "two evacuation migrations",
            m => $"{m.Count} migration(s)",
            () => "status.evacuation: " + KubernetesJson.Serialize(ReadEvacuationAsync(fixture.Client, Source).GetAwaiter().GetResult()));
        await Eventually.ConsistentlyAsync(() => EvacuationMigrationsAsync(fixture.Client), m => m.Count == 2, TimeSpan.FromSeconds(1.5), "no more than the limit");

        // Complete them one at a time, as the migration controller would; never more than 2 unfinished at once.
        var moved = new HashSet<string>(StringComparer.Ordinal);
        var peak = 0;
        await Eventually.HoldsAsync(
            async () =>
            {
                var migrations = await EvacuationMigrationsAsync(fixture.Client);
                var unfinished = migrations.Where(m => !MigrationPhases.IsTerminal(m.Status?.Phase)).ToList();
                peak = Math.Max(peak, unfinished.Count);
                if (unfinished.FirstOrDefault() is { } next)
                {
                    await SucceedAsync(fixture.Client, next);
                    moved.Add(next.Spec.VmName);
                }

                return moved.Count == 3;
            },
            TimeSpan.FromSeconds(30),
            "all three LiveMigrate VMs moved");
        Assert.Equal(["vm1", "vm2", "vm3"], moved.Order(StringComparer.Ordinal));
        Assert.True(peak <= 2, $"{peak} migrations were unfinished at once; the limit is 2");

        var evacuation = await Eventually.UntilAsync(
            () => ReadEvacuationAsync(fixture.Client, Source),
            e => e is { VmsRemaining: 1, Migrating.Count: 0, Blocked.Count: 1 },
            TimeSpan.FromSeconds(15),
            "the evacuation reports only the None VM",
            e => KubernetesJson.Serialize(e));
        var blocked = Assert.Single(evacuation!.Blocked);
        Assert.Equal("default/keep", blocked.Name);
        Assert.StartsWith("evictionStrategy None", blocked.Reason, StringComparison.Ordinal);
        Assert.Equal(3, (await EvacuationMigrationsAsync(fixture.Client)).Count); // one per VM: nothing was created twice
    }

    [Fact]
    public async Task A_new_vm_is_not_placed_on_an_evacuating_node_and_the_summary_says_why()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync(Source, 1024);
        await SetEvacuateAsync(fixture.Client, Source);
        fixture.StartController(evacuation: Limits);
        await fixture.CreateAsync(ControllerFixture.Vm("fresh", cores: 1, size: "64Mi"));

        var fresh = await fixture.WaitForAsync("fresh", ControllerFixture.IsUnschedulable);
        Assert.Equal("0/1 nodes fit: 1 node is being evacuated", ConditionList.Find(fresh.Status!.Conditions, VmConditions.Scheduled)!.Message);

        // Once uncordoned (spec.evacuate cleared), the same VM is placed there.
        await fixture.Client.CustomObjects.PatchClusterCustomObjectAsync(
            new V1Patch("{\"spec\":{\"evacuate\":null}}", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, Source);
        await fixture.WaitForAsync("fresh", ControllerFixture.IsScheduled);
        await Eventually.HoldsAsync(async () => await ReadEvacuationAsync(fixture.Client, Source) is null, TimeSpan.FromSeconds(10), "status.evacuation cleared");
    }

    private static async Task SetEvacuateAsync(Kubernetes client, string node) =>
        await client.CustomObjects.PatchClusterCustomObjectAsync(
            new V1Patch("{\"spec\":{\"evacuate\":true}}", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, node);

    /// <summary>As the agent does once QEMU runs: Running=True.</summary>
    private static async Task MarkRunningAsync(ControllerFixture fixture, NumaVirtualMachine vm)
    {
        var conditions = ConditionList.Set(vm.Status!.Conditions, VmConditions.Running, true, "Running", "QEMU runs", vm.Metadata.Generation, DateTime.UtcNow);
        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(KubernetesJson.Serialize(new { status = new { phase = VmConditions.PhaseRunning, conditions } }), V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, vm.Metadata.Name);
    }

    /// <summary>Plays the migration controller's last step: the migration Succeeded and its VM's status.nodeName and node label moved to the target.</summary>
    private static async Task SucceedAsync(Kubernetes client, NumaVirtualMachineMigration migration)
    {
        var status = new { phase = MigrationPhases.Succeeded, sourceNode = Source, targetNode = Target, completionTime = DateTime.UtcNow };
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(KubernetesJson.Serialize(new { status }), V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachineMigration.Plural, migration.Metadata.Name);
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(KubernetesJson.Serialize(new { metadata = new { labels = new Dictionary<string, string> { [ApiGroup.NodeLabel] = Target } } }), V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, migration.Spec.VmName);
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(KubernetesJson.Serialize(new { status = new { nodeName = Target } }), V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, migration.Spec.VmName);
    }

    private static async Task<IReadOnlyList<NumaVirtualMachineMigration>> EvacuationMigrationsAsync(Kubernetes client) =>
        [.. (await client.CustomObjects.ListNamespacedCustomObjectAsync<NumaVirtualMachineMigrationList>(
            ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachineMigration.Plural, labelSelector: $"{NodeEvacuationStatus.MigrationLabel}={Source}")).Items];

    private static async Task<NodeEvacuationStatus?> ReadEvacuationAsync(Kubernetes client, string node) =>
        (await client.CustomObjects.GetClusterCustomObjectAsync<NumaNodeTopology>(ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, node)).Status?.Evacuation;
}
