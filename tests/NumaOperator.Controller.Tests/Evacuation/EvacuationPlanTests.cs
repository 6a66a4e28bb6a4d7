using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Evacuation;

namespace NumaOperator.Controller.Tests.Evacuation;

/// <summary>Which VMs of an evacuating node get a migration now: limits, blocked VMs, retries, nothing to do.</summary>
public sealed class EvacuationPlanTests
{
    private static readonly DateTime Now = new(2026, 12, 5, 3, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Requested = Now.AddMinutes(-10);
    private static readonly EvacuationOptions Limits = new() { ParallelMigrationsPerCluster = 2, ParallelOutboundMigrationsPerNode = 1 };

    private static NumaNodeTopology Node(string name, bool evacuate, DateTime? requestedAt = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new NumaNodeTopologySpec { Evacuate = evacuate ? true : null },
        Status = new NumaNodeTopologyStatus { Evacuation = requestedAt is null ? null : new NodeEvacuationStatus { RequestedAt = requestedAt } },
    };

    private static NumaVirtualMachine Vm(string name, string node, string? strategy = EvictionStrategies.LiveMigrate, bool running = true) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new NumaVirtualMachineSpec { EvictionStrategy = strategy },
        Status = new NumaVirtualMachineStatus
        {
            NodeName = node,
            Conditions = ConditionList.Set(null, VmConditions.Running, running, running ? "Running" : "Stopped", "-", 1, Requested),
        },
    };

    private static NumaVirtualMachineMigration Migration(
        string name, string vm, string? phase, string? evacuationOf = null, DateTime? created = null, DateTime? completed = null, string? source = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "default",
            CreationTimestamp = created ?? Requested.AddSeconds(1),
            Labels = evacuationOf is null ? null : new Dictionary<string, string> { [NodeEvacuationStatus.MigrationLabel] = evacuationOf },
        },
        Spec = new NumaVirtualMachineMigrationSpec { VmName = vm },
        Status = phase is null ? null : new NumaVirtualMachineMigrationStatus { Phase = phase, CompletionTime = completed, SourceNode = source, Reason = phase == MigrationPhases.Failed ? MigrationReasons.MigrationFailed : null, Message = phase == MigrationPhases.Failed ? "stream broken" : null },
    };

    private static EvacuationDecision Decide(IEnumerable<NumaNodeTopology> nodes, IEnumerable<NumaVirtualMachine> vms, params NumaVirtualMachineMigration[] migrations) =>
        EvacuationPlan.Decide(nodes, vms, migrations, Limits, Now);

    [Fact]
    public void No_evacuating_node_means_nothing_to_do()
    {
        var decision = Decide([Node("a", false), Node("b", false)], [Vm("db1", "a")]);
        Assert.Empty(decision.StatusByNode);
        Assert.Empty(decision.Create);
        Assert.Null(decision.RecheckAfter);
    }

    [Fact]
    public void Without_an_evacuating_node_no_vm_or_migration_is_looked_at()
    {
        // The plan runs on every VM change; a scan of every VM each time made a burst of creates quadratic.
        var decision = EvacuationPlan.Decide([Node("a", false)], Unreadable<NumaVirtualMachine>(), Unreadable<NumaVirtualMachineMigration>(), Limits, Now);
        Assert.Same(EvacuationDecision.Nothing, decision);
    }

    /// <summary>A list that throws when read (Select is lazy).</summary>
    private static IEnumerable<T> Unreadable<T>() => Enumerable.Range(0, 1).Select<int, T>(_ => throw new InvalidOperationException("enumerated"));

    [Fact]
    public void An_evacuating_node_without_vms_is_reported_evacuated()
    {
        var status = Decide([Node("a", true, Requested)], [Vm("db1", "b")]).StatusByNode["a"];
        Assert.Equal(0, status.VmsRemaining);
        Assert.Equal("evacuated: no VM is left on this node", status.Message);
        Assert.Equal(Requested, status.RequestedAt);
    }

    [Fact]
    public void The_first_look_records_now_as_requested_at_and_migrates_within_the_per_node_limit()
    {
        var decision = Decide([Node("a", true)], [Vm("db1", "a"), Vm("db2", "a"), Vm("db3", "a")]);
        var created = Assert.Single(decision.Create);
        Assert.Equal(("default", "db1", "a", 1), (created.Namespace, created.VmName, created.Node, created.Attempt));
        Assert.Equal(EvacuationPlan.MigrationName("db1", Now, 1), created.Name);
        var status = decision.StatusByNode["a"];
        Assert.Equal(Now, status.RequestedAt);
        Assert.Equal(3, status.VmsRemaining);
        Assert.Equal(["default/db1"], status.Migrating);
        Assert.Equal("3 VM(s) left: 1 migrating, 2 waiting for a migration slot or a retry, 0 blocked", status.Message);
    }

    [Fact]
    public void The_per_cluster_limit_counts_every_unfinished_migration_of_any_origin()
    {
        var nodes = new[] { Node("a", true, Requested), Node("b", true, Requested), Node("c", true, Requested) };
        var vms = new[] { Vm("a1", "a"), Vm("b1", "b"), Vm("c1", "c"), Vm("user", "d") };
        var decision = Decide(nodes, vms, Migration("user-migration-x", "user", MigrationPhases.Running, source: "d"));
        Assert.Equal(["a1"], decision.Create.Select(c => c.VmName)); // 1 running + 1 new = the limit of 2
        Assert.Equal("1 VM(s) left: 0 migrating, 1 waiting for a migration slot or a retry, 0 blocked", decision.StatusByNode["c"].Message);
    }

    [Fact]
    public void A_running_evacuation_migration_holds_the_nodes_only_outbound_slot()
    {
        var decision = Decide(
            [Node("a", true, Requested)],
            [Vm("db1", "a"), Vm("db2", "a")],
            Migration(EvacuationPlan.MigrationName("db1", Requested, 1), "db1", MigrationPhases.Running, "a"));
        Assert.Empty(decision.Create);
        Assert.Equal(["default/db1"], decision.StatusByNode["a"].Migrating);
    }

    [Fact]
    public void A_pending_migration_without_status_counts_against_the_node_of_its_vm()
    {
        var decision = Decide([Node("a", true, Requested)], [Vm("db1", "a"), Vm("db2", "a")], Migration("db1-migration-q", "db1", null));
        Assert.Empty(decision.Create);
    }

    [Fact]
    public void A_vm_with_eviction_strategy_none_or_not_running_is_blocked_and_named()
    {
        var decision = Decide([Node("a", true, Requested)], [Vm("keep", "a", strategy: null), Vm("halted", "a", running: false)]);
        Assert.Empty(decision.Create);
        var blocked = decision.StatusByNode["a"].Blocked;
        Assert.Equal(["default/halted", "default/keep"], blocked.Select(b => b.Name));
        Assert.StartsWith("not Running", blocked[0].Reason, StringComparison.Ordinal);
        Assert.StartsWith("evictionStrategy None", blocked[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_migration_is_retried_after_the_backoff_as_the_next_attempt()
    {
        var failed = Migration(EvacuationPlan.MigrationName("db1", Requested, 1), "db1", MigrationPhases.Failed, "a", completed: Now.AddSeconds(-20));
        var waiting = Decide([Node("a", true, Requested)], [Vm("db1", "a")], failed);
        Assert.Empty(waiting.Create);
        Assert.Equal(TimeSpan.FromSeconds(40), waiting.RecheckAfter);

        var later = EvacuationPlan.Decide([Node("a", true, Requested)], [Vm("db1", "a")], [failed], Limits, Now.AddSeconds(41));
        var retry = Assert.Single(later.Create);
        Assert.Equal(2, retry.Attempt);
        Assert.Equal(EvacuationPlan.MigrationName("db1", Requested, 2), retry.Name);
    }

    [Fact]
    public void The_backoff_doubles_after_each_failure()
    {
        var first = Migration("m1", "db1", MigrationPhases.Failed, "a", completed: Now.AddMinutes(-5));
        var second = Migration("m2", "db1", MigrationPhases.Failed, "a", completed: Now.AddSeconds(-90));
        Assert.Equal(TimeSpan.FromSeconds(30), Decide([Node("a", true, Requested)], [Vm("db1", "a")], first, second).RecheckAfter);
    }

    [Fact]
    public void After_max_attempts_the_vm_is_blocked_with_the_last_failure()
    {
        var decision = Decide(
            [Node("a", true, Requested)],
            [Vm("db1", "a")],
            Migration("m1", "db1", MigrationPhases.Failed, "a", completed: Now.AddMinutes(-9)),
            Migration("m2", "db1", MigrationPhases.Failed, "a", completed: Now.AddMinutes(-6)),
            Migration("m3", "db1", MigrationPhases.Failed, "a", completed: Now.AddMinutes(-1)));
        Assert.Empty(decision.Create);
        var blocked = Assert.Single(decision.StatusByNode["a"].Blocked);
        Assert.Equal("3 migration(s) failed, last m3: MigrationFailed: stream broken", blocked.Reason);
        Assert.Null(decision.RecheckAfter);
    }

    [Fact]
    public void Failures_of_an_earlier_evacuation_or_another_node_do_not_count()
    {
        var decision = Decide(
            [Node("a", true, Requested)],
            [Vm("db1", "a")],
            Migration("old1", "db1", MigrationPhases.Failed, "a", created: Requested.AddDays(-1), completed: Requested.AddDays(-1)),
            Migration("other", "db1", MigrationPhases.Failed, "b", completed: Now.AddSeconds(-1)));
        Assert.Equal(1, Assert.Single(decision.Create).Attempt);
    }

    [Fact]
    public void A_succeeded_migration_waiting_for_the_vm_to_leave_is_not_repeated()
    {
        var decision = Decide([Node("a", true, Requested)], [Vm("db1", "a")], Migration("m1", "db1", MigrationPhases.Succeeded, "a", completed: Now));
        Assert.Empty(decision.Create);
        Assert.Equal(["default/db1"], decision.StatusByNode["a"].Migrating);
    }

    [Fact]
    public void Migration_names_are_deterministic_and_fit_in_253_characters()
    {
        Assert.Equal(EvacuationPlan.MigrationName("db1", Requested, 2), EvacuationPlan.MigrationName("db1", Requested, 2));
        Assert.NotEqual(EvacuationPlan.MigrationName("db1", Requested, 1), EvacuationPlan.MigrationName("db1", Requested.AddSeconds(1), 1));
        Assert.StartsWith("db1-evac-", EvacuationPlan.MigrationName("db1", Requested, 1), StringComparison.Ordinal);
        Assert.Equal(253, EvacuationPlan.MigrationName(new string('v', 253), Requested, 3).Length);
    }

    [Theory]
    [InlineData(0, 1, "--parallel-migrations-per-cluster: 0 is not allowed; must be a whole number >= 1")]
    [InlineData(2, 0, "--parallel-outbound-migrations-per-node: 0 is not allowed; must be a whole number >= 1")]
    public void A_limit_below_one_is_refused_naming_its_flag(int perCluster, int perNode, string expected) =>
        Assert.Equal(expected, new EvacuationOptions { ParallelMigrationsPerCluster = perCluster, ParallelOutboundMigrationsPerNode = perNode }.Problem());
}
