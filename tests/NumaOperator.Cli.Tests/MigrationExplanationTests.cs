using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Explaining;

namespace NumaOperator.Cli.Tests;

/// <summary>`numa-operator explain` shows the VM's latest migration (status.migration) in one short block.</summary>
public sealed class MigrationExplanationTests
{
    private static readonly DateTime Now = new(2026, 12, 5, 3, 0, 0, DateTimeKind.Utc);

    private static string Explain(VmMigrationState? migration)
    {
        var vm = new NumaVirtualMachine
        {
            Metadata = new V1ObjectMeta { Name = "db1", NamespaceProperty = "default", Generation = 1 },
            Spec = new NumaVirtualMachineSpec { Cpu = new CpuSpec { Cores = 1 }, Memory = new MemorySpec { Size = "64Mi" } },
            Status = new NumaVirtualMachineStatus { NodeName = "b", Migration = migration },
        };
        using var writer = new StringWriter();
        ExplanationText.Write(ExplanationBuilder.Build(new ExplainInput(vm, [], [], [], [], Now)), writer);
        return writer.ToString();
    }

    [Fact]
    public void A_succeeded_migration_is_one_line_with_its_message()
    {
        var text = Explain(new VmMigrationState
        {
            Name = "db1-migration-x7k2p", Phase = "Succeeded", SourceNode = "a", TargetNode = "b",
            StartTime = Now.AddMinutes(-5), EndTime = Now.AddMinutes(-4), Failed = false, Message = "moved to node b, host NUMA node 1",
        });
        Assert.Contains(
            "\nLatest migration: db1-migration-x7k2p Succeeded, node a -> node b, started 5m ago, ended 4m ago\n  moved to node b, host NUMA node 1\n",
            text.ReplaceLineEndings("\n"),
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_migration_says_the_vm_stayed_on_its_source() =>
        Assert.Contains(
            "Latest migration: db1-migration-q Failed (the VM stayed on its source), node a -> node (not chosen yet), started 30s ago",
            Explain(new VmMigrationState { Name = "db1-migration-q", Phase = "Failed", SourceNode = "a", StartTime = Now.AddSeconds(-30), Failed = true }),
            StringComparison.Ordinal);

    [Fact]
    public void A_vm_never_migrated_has_no_migration_block() =>
        Assert.DoesNotContain("Latest migration", Explain(null), StringComparison.Ordinal);
}
