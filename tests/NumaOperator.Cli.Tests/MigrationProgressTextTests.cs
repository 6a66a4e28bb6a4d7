using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Rendering;

namespace NumaOperator.Cli.Tests;

/// <summary>The progress line, when a line is printed without a terminal, and the outcome of `numa-operator migrate`.</summary>
public sealed class MigrationProgressTextTests
{
    private static readonly DateTime Start = new(2026, 12, 5, 3, 0, 0, DateTimeKind.Utc);

    private static NumaVirtualMachineMigration Migration(string? phase, long? processed = null, long total = 128L << 20) => new()
    {
        Metadata = new() { Name = "db1-migration-abcde", NamespaceProperty = "default" },
        Spec = new() { VmName = "db1" },
        Status = new()
        {
            Phase = phase,
            Progress = processed is null ? null : new MigrationProgress
            {
                DataTotal = total, DataProcessed = processed, DataRemaining = total - processed, Iterations = 1, ElapsedMilliseconds = 3100,
            },
        },
    };

    private static PlacementStatus On(int hostNode) => new() { PageSize = "2Mi", GuestNodes = [new GuestNodePlacementStatus { GuestNode = 0, HostNode = hostNode }] };

    [Fact]
    public void The_progress_line_draws_a_bar_from_data_processed_over_data_total() =>
        Assert.Equal(
            "Running      [######..................]  25%  32.0 MiB/128.0 MiB  remaining 96.0 MiB  iteration 1  3.1 s",
            MigrationProgressText.Line(Migration(MigrationPhases.Running, 32L << 20)));

    [Fact]
    public void Before_any_progress_the_line_says_what_the_move_waits_for() =>
        Assert.Equal("Scheduled    target chosen; waiting for its agent to start QEMU -incoming", MigrationProgressText.Line(Migration(MigrationPhases.Scheduled)));

    [Fact]
    public void Data_sent_again_for_dirty_pages_keeps_the_bar_full_not_overflowing() =>
        Assert.Equal(100, MigrationProgressText.Percent(Migration(MigrationPhases.Running, 200L << 20)));

    [Fact]
    public void Without_a_terminal_a_line_is_printed_per_phase_change_or_ten_percent()
    {
        var first = Migration(MigrationPhases.Running, 0);
        Assert.True(MigrationProgressText.WorthALine(null, first));
        Assert.False(MigrationProgressText.WorthALine(first, Migration(MigrationPhases.Running, 12L << 20))); // 9%
        Assert.True(MigrationProgressText.WorthALine(first, Migration(MigrationPhases.Running, 13L << 20))); // 10%
        Assert.True(MigrationProgressText.WorthALine(Migration(MigrationPhases.TargetReady), first));
        Assert.True(MigrationProgressText.WorthALine(Migration(MigrationPhases.Running), first)); // the first progress report
        Assert.False(MigrationProgressText.WorthALine(Migration(MigrationPhases.Pending), Migration(MigrationPhases.Pending)));
    }

    [Fact]
    public void A_succeeded_move_says_from_where_to_where_how_fast_and_where_the_memory_was_measured()
    {
        var migration = Migration(MigrationPhases.Succeeded, 130L << 20);
        migration.Status!.SourceNode = "a";
        migration.Status.SourcePlacement = On(0);
        migration.Status.TargetNode = "b";
        migration.Status.TargetPlacement = On(1);
        migration.Status.StartTime = Start;
        migration.Status.CompletionTime = Start.AddMilliseconds(4200);
        migration.Status.Progress!.DowntimeMilliseconds = 35;
        var vm = new NumaVirtualMachine
        {
            Status = new NumaVirtualMachineStatus
            {
                Numastat = new NumastatStatus { LocalRatio = "1.000", Nodes = [new NumastatNode { Node = 0, Bytes = 0 }, new NumastatNode { Node = 1, Bytes = 128L << 20 }] },
            },
        };
        Assert.Equal(
            "moved from node a (NUMA 0) to node b (NUMA 1) in 4.2 s, downtime 35 ms, measured: 128.0 MiB on node 1, localRatio 1.000",
            MigrationProgressText.Outcome(migration, vm));
    }

    [Fact]
    public void Without_the_vm_the_outcome_uses_the_targets_own_measurement()
    {
        var migration = Migration(MigrationPhases.Succeeded);
        (migration.Status!.SourceNode, migration.Status.TargetNode) = ("a", "a");
        migration.Status.TargetNumastat = new NumastatStatus { LocalRatio = "0.500", Nodes = [new NumastatNode { Node = 0, Bytes = 1L << 30 }, new NumastatNode { Node = 1, Bytes = 1L << 30 }] };
        Assert.Equal("moved from node a to node a, measured: 1.0 GiB on node 0 + 1.0 GiB on node 1, localRatio 0.500", MigrationProgressText.Outcome(migration, null));
    }

    [Fact]
    public void A_failed_move_gives_the_reason_and_message_and_says_the_vm_stayed()
    {
        var migration = Migration(MigrationPhases.Failed);
        (migration.Status!.Reason, migration.Status.Message, migration.Status.SourceNode) = (MigrationReasons.Unschedulable, "0/2 nodes fit: 2 node is cordoned", "a");
        Assert.Equal(
            "failed: Unschedulable: 0/2 nodes fit: 2 node is cordoned; the VM keeps running on node a",
            MigrationProgressText.Outcome(migration, null));
    }
}
