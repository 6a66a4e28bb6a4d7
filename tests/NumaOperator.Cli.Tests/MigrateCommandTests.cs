using k8s;
using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Cli.Tests;

/// <summary>
/// `numa-operator migrate` as a child process against the real embedded API server (no controller: this test writes
/// the migration's status as the controller and agents would): what it creates, how it ends, and bad input.
/// </summary>
public sealed class MigrateCommandTests : IAsyncLifetime
{
    private EmbeddedCliServer cluster = null!;

    private Kubernetes client = null!;

    public async Task InitializeAsync()
    {
        cluster = await EmbeddedCliServer.StartAsync("numaop-migrate-");
        client = cluster.Client;
        var vm = new NumaVirtualMachine
        {
            Metadata = new V1ObjectMeta { Name = "db1", NamespaceProperty = "default" },
            Spec = new NumaVirtualMachineSpec { Cpu = new CpuSpec { Cores = 1 }, Memory = new MemorySpec { Size = "64Mi" } },
        };
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(vm, ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural);
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    private Task<CliResult> Run(params string[] args) => cluster.RunAsync(args);

    private async Task<IList<NumaVirtualMachineMigration>> MigrationsAsync() =>
        (await client.CustomObjects.ListNamespacedCustomObjectAsync<NumaVirtualMachineMigrationList>(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachineMigration.Plural)).Items;

    [Fact]
    public async Task No_wait_creates_the_migration_with_every_flag_and_a_generated_name()
    {
        var result = await Run("migrate", "default/db1", "--to-node", "worker-b", "--to-numa-node", "1", "--bandwidth", "64Mi", "--timeout", "2m", "--no-wait");
        Assert.True(result.ExitCode == 0, result.Stderr);
        var migration = Assert.Single(await MigrationsAsync());
        Assert.StartsWith("db1-migration-", migration.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal(("db1", "worker-b", "1", "64Mi", 120), (migration.Spec.VmName, migration.Spec.TargetNode, migration.Spec.TargetNumaNodes, migration.Spec.Bandwidth, migration.Spec.CompletionTimeoutSeconds));
        Assert.Equal($"default/{migration.Metadata.Name}: migration of db1 created\n", result.Stdout);
    }

    [Fact]
    public async Task A_failed_move_prints_its_reason_and_exits_1()
    {
        var running = Run("migrate", "default/db1");
        var migration = await Eventually.UntilAsync(async () => (await MigrationsAsync()).FirstOrDefault(), m => m is not null, TimeSpan.FromSeconds(30), "the migration is created");
        var status = new { phase = MigrationPhases.Failed, sourceNode = "worker-a", reason = MigrationReasons.Unschedulable, message = "0/1 nodes fit: 1 node is cordoned" };
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(KubernetesJson.Serialize(new { status }), V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachineMigration.Plural, migration!.Metadata.Name);

        var result = await running;
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Failed", result.Stderr, StringComparison.Ordinal); // the progress line (not a terminal: one per phase)
        Assert.Contains($"default/{migration.Metadata.Name}: failed: Unschedulable: 0/1 nodes fit: 1 node is cordoned; the VM keeps running on node worker-a", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--to-numa-node", "x", "--to-numa-node \"x\": expected host NUMA node ids in cpuset syntax")]
    [InlineData("--bandwidth", "fast", "--bandwidth \"fast\": expected bytes per second above 0")]
    [InlineData("--timeout", "1s", "--timeout \"1s\": expected a duration like 30s, 5m, 1h or 1m30s, from 10s to 24h")]
    public async Task A_bad_flag_exits_2_naming_it_and_creates_nothing(string flag, string value, string expected)
    {
        var result = await Run("migrate", "default/db1", flag, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: " + expected, result.Stderr, StringComparison.Ordinal);
        Assert.Empty(await MigrationsAsync());
    }

    [Fact]
    public async Task A_missing_vm_is_a_runtime_failure_and_nothing_is_created()
    {
        var result = await Run("migrate", "default/ghost", "--no-wait");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("NumaVirtualMachine \"ghost\" not found in namespace \"default\"", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(await MigrationsAsync());
    }
}
