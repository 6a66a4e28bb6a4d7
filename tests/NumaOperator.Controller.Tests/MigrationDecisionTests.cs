using k8s.Models;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.Controller.Migration;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;

namespace NumaOperator.Controller.Tests;

/// <summary>
/// The controller's pure judgements of a live migration, on a fixture of two nodes (worker-1, worker-2) with two host
/// NUMA nodes each (8 CPUs, 512 free 2Mi pages = 1Gi per NUMA node).
/// </summary>
public sealed class MigrationDecisionTests
{
    private static readonly DateTime T0 = new(2026, 12, 5, 3, 0, 0, DateTimeKind.Utc);

    private static ClusterNode Node(string name, long pagesPerNuma = 512) => new(
        name,
        new Dictionary<string, string> { ["kubernetes.io/hostname"] = name },
        new HostTopology([.. Enumerable.Range(0, 2).Select(id => new HostNumaNode(
            id,
            CpuSet.Parse($"{id * 8}-{(id * 8) + 7}"),
            [.. Enumerable.Range(id * 8, 8).Select(cpu => CpuSet.Of(cpu))],
            64L << 30,
            [new HugepagePool(PageSize.Huge2Mi, pagesPerNuma, pagesPerNuma)],
            id == 0 ? [10, 21] : [21, 10]))]),
        CpuSet.Empty);

    private static PlacementLedger Ledger() => new(new ClusterSnapshot([Node("worker-1"), Node("worker-2")]));

    private static NumaVirtualMachine Vm(string name = "db", string size = "1Gi", bool dedicated = false, string phase = "Running") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Uid = "uid-" + name },
        Spec = new NumaVirtualMachineSpec
        {
            Running = true,
            Cpu = new CpuSpec { Cores = 2, Dedicated = dedicated },
            Memory = new MemorySpec { Size = size, Hugepages = new HugepagesSpec { PageSize = "2Mi" } },
        },
        Status = new NumaVirtualMachineStatus { Phase = phase },
    };

    private static NumaVirtualMachineMigration Migration(Action<NumaVirtualMachineMigrationSpec>? change = null)
    {
        var migration = new NumaVirtualMachineMigration
        {
            Metadata = new V1ObjectMeta { Name = "move-db", NamespaceProperty = "default" },
            Spec = new NumaVirtualMachineMigrationSpec { VmName = "db" },
        };
        change?.Invoke(migration.Spec);
        return migration;
    }

    /// <summary>Places <paramref name="vm"/> at worker-1 host NUMA node <paramref name="hostNode"/> in the ledger and its status.</summary>
    private static VmPlacement PlaceAt(PlacementLedger ledger, NumaVirtualMachine vm, int hostNode, string node = "worker-1")
    {
        var request = NumaVirtualMachineValidator.Validate(vm).Request!;
        var placement = PlacementEngine.DecideAt(ledger, request, node, [hostNode])!;
        ledger.Place(vm.Key, placement);
        vm.Status!.NodeName = node;
        vm.Status.Placement = PlacementConversion.ToStatus(placement);
        return placement;
    }

    private static PlacementDecision Choose(PlacementLedger ledger, NumaVirtualMachine vm, VmPlacement source, NumaVirtualMachineMigration migration) =>
        MigrationDecision.ChooseTarget(ledger, NumaVirtualMachineValidator.Validate(vm).Request!, source, NumaVirtualMachineMigrationValidator.Validate(migration).Request!, PackingPolicies.Default);

    private static MigrationRefusal? Admit(NumaVirtualMachineMigration migration, NumaVirtualMachine? vm, string? competing = null, bool targetNodeExists = true) =>
        MigrationDecision.Admit(migration, NumaVirtualMachineMigrationValidator.Validate(migration), vm, competing, targetNodeExists);

    [Fact]
    public void A_running_placed_vm_is_admitted()
    {
        var vm = Vm();
        PlaceAt(Ledger(), vm, 0);

        Assert.Null(Admit(Migration(), vm));
    }

    [Fact]
    public void A_missing_vm_is_an_invalid_request_naming_spec_vm_name()
    {
        var refusal = Admit(Migration(), null)!;

        Assert.Equal(MigrationReasons.InvalidRequest, refusal.Reason);
        Assert.StartsWith("spec.vmName: Not found: \"db\": no NumaVirtualMachine of that name in namespace default", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Scheduled")]
    [InlineData("Starting")]
    [InlineData("Stopped")]
    [InlineData("Failed")]
    public void A_vm_that_is_not_running_cannot_move_live(string phase)
    {
        var vm = Vm(phase: phase);
        PlaceAt(Ledger(), vm, 0);

        var refusal = Admit(Migration(), vm)!;

        Assert.Equal(MigrationReasons.VmNotRunning, refusal.Reason);
        Assert.Contains($"is {phase}, not Running", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_running_vm_without_a_placement_cannot_move()
    {
        Assert.Equal(MigrationReasons.VmNotRunning, Admit(Migration(), Vm())!.Reason);
    }

    [Fact]
    public void A_vm_being_deleted_cannot_move()
    {
        var vm = Vm();
        PlaceAt(Ledger(), vm, 0);
        vm.Metadata.DeletionTimestamp = T0;

        Assert.Equal(MigrationReasons.VmNotRunning, Admit(Migration(), vm)!.Reason);
    }

    [Fact]
    public void A_second_migration_of_the_same_vm_is_already_migrating()
    {
        var vm = Vm();
        PlaceAt(Ledger(), vm, 0);

        var refusal = Admit(Migration(), vm, competing: "move-db-first")!;

        Assert.Equal(MigrationReasons.AlreadyMigrating, refusal.Reason);
        Assert.Contains("NumaVirtualMachineMigration move-db-first", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_target_node_is_an_invalid_request_naming_spec_target_node()
    {
        var vm = Vm();
        PlaceAt(Ledger(), vm, 0);

        var refusal = Admit(Migration(s => s.TargetNode = "worker-9"), vm, targetNodeExists: false)!;

        Assert.Equal(MigrationReasons.InvalidRequest, refusal.Reason);
        Assert.StartsWith("spec.targetNode: Not found: \"worker-9\"", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_spec_is_an_invalid_request_with_the_validation_summary()
    {
        var refusal = Admit(Migration(s => s.Bandwidth = "0"), Vm())!;

        Assert.Equal(MigrationReasons.InvalidRequest, refusal.Reason);
        Assert.StartsWith("spec.bandwidth: Invalid value: \"0\"", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_move_on_the_same_node_goes_to_the_other_numa_node_while_the_source_is_held()
    {
        var ledger = Ledger();
        var vm = Vm(size: "1Gi");
        var source = PlaceAt(ledger, vm, 0);

        var decision = Choose(ledger, vm, source, Migration(s => s.TargetNode = "worker-1"));

        var target = Assert.IsType<PlacementDecision.Placed>(decision).Placement;
        Assert.Equal("worker-1", target.NodeName);
        Assert.Equal(CpuSet.Of(1), target.HostNodes);
        Assert.Equal(source, ledger.PlacementOf(vm.Key)); // nothing recorded: the caller holds the target
        Assert.Equal(1, ledger.Count);
    }

    [Fact]
    public void A_small_vm_whose_numa_node_has_room_still_moves_to_other_host_numa_nodes()
    {
        var ledger = Ledger();
        var vm = Vm(size: "256Mi");
        var source = PlaceAt(ledger, vm, 0);

        var target = Assert.IsType<PlacementDecision.Placed>(Choose(ledger, vm, source, Migration(s => s.TargetNode = "worker-1"))).Placement;

        Assert.False(MigrationDecision.SamePlace(source, target));
        Assert.Equal(CpuSet.Of(1), target.HostNodes);
        Assert.Equal(1, ledger.Count); // the temporary blockers are gone
    }

    [Fact]
    public void Target_numa_nodes_override_the_vms_own_and_target_node_limits_the_search()
    {
        var ledger = Ledger();
        var vm = Vm(size: "512Mi");
        var source = PlaceAt(ledger, vm, 0);

        var target = Assert.IsType<PlacementDecision.Placed>(Choose(ledger, vm, source, Migration(s => { s.TargetNode = "worker-2"; s.TargetNumaNodes = "1"; }))).Placement;

        Assert.Equal("worker-2", target.NodeName);
        Assert.Equal(CpuSet.Of(1), target.HostNodes);
    }

    [Fact]
    public void No_room_for_the_pages_is_unschedulable_with_the_engines_reason_and_the_ledger_unchanged()
    {
        var ledger = Ledger();
        var vm = Vm(size: "1Gi");
        var source = PlaceAt(ledger, vm, 0);
        PlaceAt(ledger, Vm("filler", size: "1Gi"), 1);
        var before = ledger.Placements.ToList();

        var decision = Choose(ledger, vm, source, Migration(s => { s.TargetNode = "worker-1"; s.TargetNumaNodes = "1"; }));

        var refused = Assert.IsType<PlacementDecision.NotSchedulable>(decision);
        Assert.StartsWith("0/1 nodes fit: 1 ", refused.Summary, StringComparison.Ordinal);
        Assert.Contains("no NUMA node with 512 free", refused.Summary, StringComparison.Ordinal);
        Assert.Equal(before, ledger.Placements.ToList());
        Assert.Equal(source, ledger.PlacementOf(vm.Key));
    }

    [Fact]
    public void A_cordoned_or_unpublished_target_node_is_unschedulable()
    {
        var ledger = Ledger();
        var vm = Vm();
        var source = PlaceAt(ledger, vm, 0);

        var refused = Assert.IsType<PlacementDecision.NotSchedulable>(Choose(ledger, vm, source, Migration(s => s.TargetNode = "worker-3")));

        Assert.Equal("0/1 nodes fit: node worker-3 is cordoned or its agent published no NumaNodeTopology status", refused.Summary);
    }

    private static NumaVirtualMachineMigration InFlight(string phase, int timeoutSeconds = 30) => new()
    {
        Metadata = new V1ObjectMeta { Name = "move-db", NamespaceProperty = "default" },
        Spec = new NumaVirtualMachineMigrationSpec { VmName = "db", CompletionTimeoutSeconds = timeoutSeconds },
        Status = new NumaVirtualMachineMigrationStatus { Phase = phase, VmUid = "uid-db", StartTime = T0, SourceNode = "worker-1", TargetNode = "worker-2" },
    };

    [Fact]
    public void A_move_within_its_timeout_goes_on_and_times_out_at_the_deadline()
    {
        Assert.Null(MigrationDecision.JudgeInFlight(InFlight(MigrationPhases.Running), Vm(), T0.AddSeconds(29), null, null));

        var refusal = MigrationDecision.JudgeInFlight(InFlight(MigrationPhases.Running), Vm(), T0.AddSeconds(30), null, null)!;

        Assert.Equal(MigrationReasons.TimedOut, refusal.Reason);
        Assert.StartsWith("spec.completionTimeoutSeconds: the move did not complete within 30s", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(T0.AddSeconds(30), MigrationDecision.Deadline(InFlight(MigrationPhases.Running)));
    }

    [Fact]
    public void The_default_timeout_is_600_seconds()
    {
        var migration = InFlight(MigrationPhases.Scheduled);
        migration.Spec.CompletionTimeoutSeconds = null;

        Assert.Null(MigrationDecision.JudgeInFlight(migration, Vm(), T0.AddSeconds(599), null, null));
        Assert.Equal(MigrationReasons.TimedOut, MigrationDecision.JudgeInFlight(migration, Vm(), T0.AddSeconds(600), null, null)!.Reason);
    }

    [Fact]
    public void A_deleted_or_replaced_vm_cancels_the_move()
    {
        Assert.Equal(MigrationReasons.Cancelled, MigrationDecision.JudgeInFlight(InFlight(MigrationPhases.Running), null, T0, null, null)!.Reason);
        Assert.Equal(MigrationReasons.Cancelled, MigrationDecision.JudgeInFlight(InFlight(MigrationPhases.Running), Vm("other"), T0, null, null)!.Reason);
        var deleting = Vm();
        deleting.Metadata.DeletionTimestamp = T0;
        Assert.Equal(MigrationReasons.Cancelled, MigrationDecision.JudgeInFlight(InFlight(MigrationPhases.Scheduled), deleting, T0, null, null)!.Reason);
    }

    [Fact]
    public void A_lost_target_fails_the_move_and_a_lost_source_fails_it_until_the_target_runs_the_guest()
    {
        Assert.Equal(MigrationReasons.TargetFailed, MigrationDecision.JudgeInFlight(InFlight(MigrationPhases.TargetReady), Vm(), T0, "heartbeat stale", null)!.Reason);
        Assert.Equal(MigrationReasons.SourceLost, MigrationDecision.JudgeInFlight(InFlight(MigrationPhases.Running), Vm(), T0, null, "heartbeat stale")!.Reason);
        Assert.Null(MigrationDecision.JudgeInFlight(InFlight(MigrationPhases.TargetRunning), Vm(), T0, null, "heartbeat stale"));
    }

    private static readonly string[] HoldingNames = ["m-running", "m-scheduled", "m-targetready", "m-targetrunning"];

    [Fact]
    public void Only_migrations_between_scheduled_and_target_running_hold_their_target()
    {
        var placement = PlacementConversion.ToStatus(new VmPlacement("worker-2", PageSize.Huge2Mi, [new GuestNodePlacement(0, 1, CpuSet.Parse("0-1"), CpuSet.Empty, 1L << 30)]));
        var migrations = MigrationPhases.All.Select(phase =>
        {
            var m = InFlight(phase);
            m.Metadata.Name = "m-" + phase.ToLowerInvariant();
            m.Status!.TargetPlacement = placement;
            return m;
        }).ToList();

        var held = MigrationHold.Held(migrations).Select(h => h.Key).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(HoldingNames.Select(n => MigrationHold.KeyOf("default/" + n)).Order(StringComparer.Ordinal), held);
    }

    [Fact]
    public void The_migrated_event_says_from_where_to_where_in_how_long_and_the_downtime()
    {
        var status = InFlight(MigrationPhases.TargetRunning).Status!;
        status.SourcePlacement = PlacementConversion.ToStatus(new VmPlacement("worker-1", PageSize.Huge2Mi, [new GuestNodePlacement(0, 0, CpuSet.Parse("0-1"), CpuSet.Empty, 1L << 30)]));
        status.TargetPlacement = PlacementConversion.ToStatus(new VmPlacement("worker-2", PageSize.Huge2Mi, [new GuestNodePlacement(0, 1, CpuSet.Parse("0-1"), CpuSet.Empty, 1L << 30)]));
        status.Progress = new MigrationProgress { DowntimeMilliseconds = 42 };

        Assert.Equal("moved from node worker-1 NUMA 0 to node worker-2 NUMA 1 in 12 s, downtime 42 ms", MigrationDecision.MovedMessage(status, T0.AddSeconds(12)));
    }
}
