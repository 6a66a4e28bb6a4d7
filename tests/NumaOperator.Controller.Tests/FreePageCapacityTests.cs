using k8s.Models;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Scheduling;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Controller.Tests;

/// <summary>The ledger's hugepage capacity is what the agent saw free, minus placed VMs that have not taken their pages yet; a running VM's pages count once.</summary>
public sealed class FreePageCapacityTests
{
    private static readonly DateTime Counted = new(2026, 12, 4, 12, 0, 0, DateTimeKind.Utc);
    private const long Mi2 = 2L << 20;

    private static NumaNodeTopology Topology(long[] totals, long[] free) => new()
    {
        Metadata = new V1ObjectMeta { Name = "w1" },
        Status = new NumaNodeTopologyStatus
        {
            HeartbeatTime = Counted,
            NumaNodes =
            [
                .. totals.Select((total, id) => new NumaNodeStatus
                {
                    Id = id,
                    Cpus = $"{id * 4}-{(id * 4) + 3}",
                    MemoryBytes = 16L << 30,
                    Distances = [.. totals.Select((_, other) => other == id ? 10 : 21)],
                    Hugepages = [new HugepagePoolStatus { PageSize = "2Mi", Total = total, Free = free[id] }],
                }),
            ],
        },
    };

    private static readonly V1Node Node = new() { Metadata = new V1ObjectMeta { Name = "w1" } };

    private static VmPlacement Placement(int hostNode, long pages, int firstCpu) =>
        new("w1", PageSize.Huge2Mi, [new GuestNodePlacement(0, hostNode, CpuSet.Of(0), CpuSet.Of(firstCpu), pages * Mi2)]);

    /// <summary>A VM placed as <paramref name="placement"/>; <paramref name="runningSince"/>: Running=True since then (null: not running).</summary>
    private static NumaVirtualMachine Vm(string name, VmPlacement placement, DateTime? runningSince)
    {
        var vm = new NumaVirtualMachine
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Generation = 1 },
            Status = new NumaVirtualMachineStatus { NodeName = placement.NodeName, Placement = PlacementConversion.ToStatus(placement) },
        };
        if (runningSince is { } since)
        {
            vm.Status.Conditions = ConditionList.Set(null, VmConditions.Running, true, "Running", "QEMU runs", 1, since);
        }

        return vm;
    }

    private static PlacementLedger Ledger(NumaNodeTopology topology, params NumaVirtualMachine[] vms)
    {
        var snapshot = ClusterSnapshotBuilder.Build([topology], [Node], vms, out _, out _);
        return PlacementLedger.Rebuild(
            snapshot,
            vms.Select(v => new KeyValuePair<string, VmPlacement>(v.Key, PlacementConversion.FromStatus(v.Status!.NodeName!, v.Status.Placement!))),
            out _,
            pagesMayExceedCapacity: true);
    }

    [Fact]
    public void A_pool_offers_its_free_pages_minus_those_of_placed_vms_not_started_and_a_running_vms_pages_count_once()
    {
        // NUMA node 0: 1024 pages, a running VM holds 512 (free 512), a placed VM not yet started will take 128.
        // NUMA node 1: 1024 pages, a pod holds 768 (free 256).
        var running = Vm("running", Placement(0, 512, 1), Counted.AddSeconds(-10));
        var pending = Vm("pending", Placement(0, 128, 2), null);

        var ledger = Ledger(Topology([1024, 1024], [512, 256]), running, pending);

        Assert.Equal(512 - 128, ledger.FreePages("w1", 0, PageSize.Huge2Mi));
        Assert.Equal(256, ledger.FreePages("w1", 1, PageSize.Huge2Mi));
        Assert.Equal(1024, ledger.CapacityPages("w1", 0, PageSize.Huge2Mi)); // free 512 + held 512
        Assert.Equal(256, ledger.CapacityPages("w1", 1, PageSize.Huge2Mi));
    }

    [Fact]
    public void A_vm_running_since_the_count_was_read_is_still_counted_as_not_started_and_its_node_awaits_a_fresh_count()
    {
        // The agent read free (1024) before this VM took its pages: counting them as held would promise them twice.
        var justStarted = Vm("fresh", Placement(0, 512, 1), Counted);

        var snapshot = ClusterSnapshotBuilder.Build([Topology([1024], [1024])], [Node], [justStarted], out _, out var awaiting);
        var ledger = PlacementLedger.Rebuild(snapshot, [new("default/fresh", Placement(0, 512, 1))], out _, pagesMayExceedCapacity: true);

        Assert.Equal(512, ledger.FreePages("w1", 0, PageSize.Huge2Mi));
        Assert.Equal(["w1"], awaiting);
        Assert.False(FreePageCapacity.HoldsPages(justStarted, Counted));
        Assert.True(FreePageCapacity.HoldsPages(justStarted, Counted.AddSeconds(1)));
    }

    [Fact]
    public void Capacity_never_exceeds_the_pool_total_even_when_free_and_held_disagree()
    {
        // A stale count: free still 1024 though the VM runs since before it (the kernel says otherwise a moment later).
        var running = Vm("running", Placement(0, 512, 1), Counted.AddSeconds(-10));

        var ledger = Ledger(Topology([1024], [1024]), running);

        Assert.Equal(1024, ledger.CapacityPages("w1", 0, PageSize.Huge2Mi));
        Assert.Equal(512, ledger.FreePages("w1", 0, PageSize.Huge2Mi));
    }

    [Fact]
    public void A_recorded_placement_whose_pages_a_pod_took_since_is_kept_and_its_pool_shows_no_free_page()
    {
        // Placed when 1024 were free; a pod took 768 before QEMU started: the placement stays (pre-flight judges it).
        var pending = Vm("pending", Placement(0, 512, 1), null);

        var snapshot = ClusterSnapshotBuilder.Build([Topology([1024], [256])], [Node], [pending], out _, out _);
        var ledger = PlacementLedger.Rebuild(snapshot, [new("default/pending", Placement(0, 512, 1))], out var conflicts, pagesMayExceedCapacity: true);

        Assert.Empty(conflicts);
        Assert.True(ledger.Contains("default/pending"));
        Assert.Equal(0, ledger.FreePages("w1", 0, PageSize.Huge2Mi));
        Assert.False(ledger.TryPlace("default/other", Placement(0, 1, 2), out var refused));
        Assert.Equal("host NUMA node 0 of w1 has 0 free 2Mi pages, 1 asked", refused);
    }

    [Fact]
    public void The_decision_avoids_refused_host_numa_nodes_and_leaves_the_ledger_as_it_was()
    {
        var ledger = Ledger(Topology([1024, 1024], [1024, 1024]));
        var request = new VmRequest("default/vm", 1, false, 1L << 30, PageSize.Huge2Mi, null, 1, NumaPolicy.Strict, new Dictionary<string, string>());
        var refusedOn0 = new PlacementFailureStatus { NodeName = "w1", HostNodes = "0", Time = Counted, Message = "pre-flight" };

        var decision = Assert.IsType<PlacementDecision.Placed>(AvoidingPlacement.Decide(ledger, request, PackingPolicies.Default, [refusedOn0]));

        Assert.Equal(1, Assert.Single(decision.Placement.GuestNodes).HostNode);
        Assert.Equal((1024L, 1024L, 0), (ledger.FreePages("w1", 0, PageSize.Huge2Mi), ledger.FreePages("w1", 1, PageSize.Huge2Mi), ledger.Count));
        var both = new PlacementFailureStatus { NodeName = "w1", HostNodes = "0-1", Time = Counted, Message = "pre-flight" };
        Assert.IsType<PlacementDecision.NotSchedulable>(AvoidingPlacement.Decide(ledger, request, PackingPolicies.Default, [both]));
        Assert.Equal(0, ledger.Count);
    }

    [Fact]
    public void Refusals_count_while_recent_and_at_most_the_newest_eight_are_kept()
    {
        var window = TimeSpan.FromMinutes(5);
        var old = new PlacementFailureStatus { NodeName = "w1", HostNodes = "0", Time = Counted.AddMinutes(-6), Message = "old" };
        var recent = Enumerable.Range(0, 8).Select(i => new PlacementFailureStatus { NodeName = "w1", HostNodes = "1", Time = Counted.AddSeconds(-60 + i), Message = $"r{i}" }).ToList();

        var kept = PlacementFailures.Record([old, .. recent], new PlacementFailureStatus { NodeName = "w2", HostNodes = "0", Time = Counted, Message = "new" }, Counted, window);

        Assert.Equal(["r1", "r2", "r3", "r4", "r5", "r6", "r7", "new"], kept.Select(f => f.Message));
        Assert.Empty(PlacementFailures.Recent([old], Counted, window));
        Assert.Equal(Counted.AddMinutes(-1) + window, PlacementFailures.RetryAt(recent, new PlacementRetryPolicy(3, window)));
        Assert.Equal("w1 host NUMA nodes 0-1", PlacementFailures.Where(new PlacementFailureStatus { NodeName = "w1", HostNodes = "0-1" }));
    }

    [Fact]
    public void Only_the_agents_insufficient_hugepages_verdict_is_a_refusal()
    {
        var vm = Vm("vm", Placement(0, 1, 1), null);
        Assert.Null(PlacementFailures.Refusal(vm));
        vm.Status!.Conditions = ConditionList.Set(null, VmConditions.Running, false, VmConditions.ReasonPreflightFailed, "no hugetlbfs", 1, Counted);
        Assert.Null(PlacementFailures.Refusal(vm));
        vm.Status.Conditions = ConditionList.Set(null, VmConditions.Running, false, VmConditions.ReasonInsufficientHugepages, "pre-flight: host NUMA node 0 has 3 free 2Mi hugepages", 1, Counted);
        Assert.Equal("pre-flight: host NUMA node 0 has 3 free 2Mi hugepages", PlacementFailures.Refusal(vm));
    }
}
