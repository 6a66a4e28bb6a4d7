using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli;
using NumaOperator.Cli.Standalone;

namespace NumaOperator.Standalone.Tests;

/// <summary>The pure parts of standalone: flag parsing, the hugepage plan, the table rows, the readiness verdict, the report.</summary>
public sealed class PureLogicTests
{
    private static readonly DateTime Now = new(2026, 11, 29, 10, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData("2Mi:64", 2L << 20, 64)]
    [InlineData("1Gi:2", 1L << 30, 2)]
    public void Hugepage_requests_parse(string text, long pageBytes, long pages)
    {
        var request = HugepageRequest.Parse(text);
        Assert.Equal(pageBytes, request.PageSize.Bytes);
        Assert.Equal(pages, request.Pages);
        Assert.Equal(text, request.ToString());
    }

    [Theory]
    [InlineData("2M:64", "allowed values: 2Mi, 1Gi")]
    [InlineData("2Mi:0", "from 1 to 10000000")]
    [InlineData("2Mi:-3", "from 1 to 10000000")]
    [InlineData(":64", "allowed values: 2Mi, 1Gi")]
    public void Bad_hugepage_requests_name_the_option_and_allowed_values(string text, string expected)
    {
        var e = Assert.Throws<BadInputException>(() => HugepageRequest.Parse(text));
        Assert.StartsWith("--reserve-hugepages \"" + text + "\"", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repeated_requests_for_one_size_keep_the_largest()
    {
        var merged = HugepageRequest.Merge([HugepageRequest.Parse("2Mi:8"), HugepageRequest.Parse("1Gi:1"), HugepageRequest.Parse("2Mi:64")]);
        Assert.Equal(["2Mi:64", "1Gi:1"], merged.Select(r => r.ToString()));
    }

    [Fact]
    public void The_plan_raises_only_pools_short_of_free_pages_and_counts_our_running_VMs_pages_as_reserved()
    {
        var pools = new[]
        {
            new HugepagePoolReading(0, 2L << 20, Total: 100, Free: 70), // enough already
            new HugepagePoolReading(1, 2L << 20, Total: 10, Free: 4),   // needs 60
            new HugepagePoolReading(2, 2L << 20, Total: 64, Free: 0),   // our adopted VM holds all 64
            new HugepagePoolReading(3, 2L << 20, Total: 40, Free: 0),   // someone else's pages: needs 64 more
        };
        var raises = HugepagePlan.Raises(pools, HugepageRequest.Parse("2Mi:64"), new Dictionary<int, long> { [2] = 64 });
        Assert.Equal([new PoolRaise(1, 2L << 20, 10, 70), new PoolRaise(3, 2L << 20, 40, 104)], raises);
    }

    [Fact]
    public void Without_per_node_pools_the_whole_host_pool_counts_all_our_pages()
    {
        var raises = HugepagePlan.Raises([new HugepagePoolReading(null, 2L << 20, 32, 0)], HugepageRequest.Parse("2Mi:64"), new Dictionary<int, long> { [0] = 32 });
        Assert.Equal([new PoolRaise(null, 2L << 20, 32, 64)], raises);
    }

    [Theory]
    [InlineData("127.0.0.1:0", "127.0.0.1", 0)]
    [InlineData("0.0.0.0:6443", "0.0.0.0", 6443)]
    [InlineData("[::1]:8443", "::1", 8443)]
    public void Listen_addresses_parse(string text, string host, int port) =>
        Assert.Equal(new ListenAddress(host, port), ListenAddress.Parse(text));

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("5m", 300)]
    [InlineData("1m30s", 90)]
    [InlineData("1h", 3600)]
    [InlineData("500ms", 0.5)]
    public void Durations_parse(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), DurationOption.Parse("--timeout", text, TimeSpan.Zero, TimeSpan.FromDays(1)));

    [Theory]
    [InlineData("5")]
    [InlineData("m")]
    [InlineData("5d")]
    [InlineData("2h")]
    public void Bad_or_out_of_range_durations_are_bad_input(string text)
    {
        var e = Assert.Throws<BadInputException>(() => DurationOption.Parse("--timeout", text, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)));
        Assert.Contains("from 1s to 1h", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_row_shows_phase_node_placed_host_nodes_local_ratio_and_ready()
    {
        var row = VmRow.Of(RunningVm("db1", ready: true));
        Assert.Equal(["default/db1", "Running", "host-a", "0,1", "1.000", "True", string.Empty], row.Cells);
        var pending = VmRow.Of(new NumaVirtualMachine { Metadata = new V1ObjectMeta { Name = "new", NamespaceProperty = "prod" } });
        Assert.Equal(["prod/new", "Pending", "-", "-", "-", "-", string.Empty], pending.Cells);
    }

    [Fact]
    public void A_row_names_the_first_abnormal_condition()
    {
        var vm = RunningVm("db1", ready: false);
        vm.Status!.Conditions!.Add(new V1Condition { Type = "NumaAligned", Status = "False", Reason = "MemoryOnWrongNode", Message = "x" });
        Assert.Equal("NumaAligned: MemoryOnWrongNode", VmRow.Of(vm).Reason);
    }

    [Fact]
    public void The_verdict_waits_until_every_VM_is_ready_for_its_generation()
    {
        var ready = RunningVm("a", ready: true);
        var notYet = RunningVm("b", ready: false);
        var vms = new Dictionary<string, NumaVirtualMachine> { ["default/a"] = ready, ["default/b"] = notYet };
        Assert.False(ReadinessVerdict.Judge(["default/a", "default/b"], vms).Done);
        Assert.Equal(new ReadinessVerdict(true, true, "the VM is Ready"), ReadinessVerdict.Judge(["default/a"], vms));

        ready.Metadata.Generation = 2; // Ready describes generation 1
        Assert.False(ReadinessVerdict.Judge(["default/a"], vms).Done);
        Assert.Contains("default/missing (not found)", ReadinessVerdict.Judge(["default/missing"], vms).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Failed", null, null, "failed")]
    [InlineData("Pending", "Stalled", "True", "is stalled")]
    [InlineData("Pending", "Scheduled", "False", "is unschedulable")]
    [InlineData("Running", "NumaAligned", "False", "is not NUMA-aligned")]
    public void The_verdict_fails_on_failed_stalled_or_unschedulable(string phase, string? type, string? status, string expected)
    {
        var vm = new NumaVirtualMachine
        {
            Metadata = new V1ObjectMeta { Name = "a", NamespaceProperty = "default", Generation = 1 },
            Status = new NumaVirtualMachineStatus { Phase = phase, Conditions = [] },
        };
        if (type is not null)
        {
            vm.Status.Conditions.Add(new V1Condition { Type = type, Status = status, Reason = type == "Scheduled" ? "Unschedulable" : "InvalidSpec", Message = "0/1 nodes fit", ObservedGeneration = 1 });
        }

        var verdict = ReadinessVerdict.Judge(["default/a"], new Dictionary<string, NumaVirtualMachine> { ["default/a"] = vm });
        Assert.True(verdict.Done);
        Assert.False(verdict.Success);
        Assert.Contains(expected, verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_report_shows_placement_and_measured_bytes_per_node_with_the_sample_age()
    {
        var lines = FinalReport.Lines(RunningVm("db1", ready: true), Now);
        Assert.Equal(
            [
                "default/db1: on node host-a, 2Mi pages, policy Strict, Emulation with cpu model host-model",
                "  placed:   guest node 0 -> host node 0: 64Mi, vCPUs 0 not pinned (dedicated: false)",
                "  placed:   guest node 1 -> host node 1: 64Mi, vCPUs 1 pinned to host CPUs 5",
                "  measured: host node 0: 67108864 bytes (64.0 MiB)",
                "  measured: host node 1: 67108864 bytes (64.0 MiB)",
                "  localRatio 1.000, sampledAt 2026-11-29T09:59:57Z (3s ago)",
            ],
            lines);
    }

    private static NumaVirtualMachine RunningVm(string name, bool ready) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Generation = 1 },
        Spec = new NumaVirtualMachineSpec { Cpu = new CpuSpec { Cores = 2 }, Memory = new MemorySpec { Size = "128Mi", Hugepages = new HugepagesSpec { PageSize = "2Mi" } } },
        Status = new NumaVirtualMachineStatus
        {
            Phase = "Running",
            NodeName = "host-a",
            Placement = new PlacementStatus
            {
                PageSize = "2Mi",
                Accelerator = "Emulation",
                CpuModel = "host-model",
                GuestNodes =
                [
                    new GuestNodePlacementStatus { GuestNode = 0, HostNode = 0, Vcpus = "0", HostCpus = string.Empty, Memory = "64Mi" },
                    new GuestNodePlacementStatus { GuestNode = 1, HostNode = 1, Vcpus = "1", HostCpus = "5", Memory = "64Mi" },
                ],
            },
            Numastat = new NumastatStatus
            {
                SampledAt = Now.AddSeconds(-3),
                LocalRatio = "1.000",
                Nodes = [new NumastatNode { Node = 0, Bytes = 64L << 20 }, new NumastatNode { Node = 1, Bytes = 64L << 20 }],
            },
            Conditions = [new V1Condition { Type = "Ready", Status = ready ? "True" : "False", Reason = ready ? "Ready" : "Starting", ObservedGeneration = 1 }],
        },
    };
}
