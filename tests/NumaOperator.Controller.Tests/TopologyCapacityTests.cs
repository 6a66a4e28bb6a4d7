using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Controller.Scheduling;

namespace NumaOperator.Controller.Tests;

/// <summary>Which NumaNodeTopology changes count as capacity changes (ledger rebuild, unschedulable VMs retried).</summary>
public sealed class TopologyCapacityTests
{
    private static NumaNodeTopology Topology(string? reserved = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "worker-1", ResourceVersion = "7" },
        Spec = reserved is null ? null : new NumaNodeTopologySpec { ReservedCpus = reserved },
        Status = new NumaNodeTopologyStatus
        {
            HeartbeatTime = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            Qemu = Accelerators(kvmUsable: true),
            NumaNodes =
            [
                .. Enumerable.Range(0, 2).Select(id => new NumaNodeStatus
                {
                    Id = id,
                    Cpus = $"{id * 4}-{(id * 4) + 3}",
                    Cores = [.. Enumerable.Range(id * 4, 4).Select(c => (IList<int>)[c])],
                    MemoryBytes = 32L << 30,
                    Distances = id == 0 ? [10, 21] : [21, 10],
                    Hugepages = [new HugepagePoolStatus { PageSize = "2Mi", Total = 1024, Free = 1024 }, new HugepagePoolStatus { PageSize = "1Gi", Total = 4, Free = 4 }],
                }),
            ],
            Conditions = [new V1Condition { Type = "Ready", Status = "True", Reason = "Publishing", Message = "ok", LastTransitionTime = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) }],
        },
    };

    private static QemuInfo Accelerators(bool kvmUsable, string? kvmReason = null, string[]? kvmModels = null) => new()
    {
        Version = "7.2.22",
        Kvm = kvmUsable,
        Accelerators =
        [
            new AcceleratorStatus { Name = "KVM", Usable = kvmUsable, CpuModels = kvmUsable ? kvmModels ?? ["host-passthrough", "host-model", "EPYC"] : [], Reason = kvmReason },
            new AcceleratorStatus { Name = "Emulation", Usable = true, CpuModels = ["host-model", "qemu64"] },
        ],
    };

    private static NumaNodeTopology Changed(Action<NumaNodeTopology> change)
    {
        var topology = Topology();
        change(topology);
        return topology;
    }

    [Fact]
    public void An_identical_copy_is_the_same_capacity() => Assert.True(TopologyCapacity.Same(Topology(), ObjectKey.Clone(Topology())));

    [Fact]
    public void A_new_topology_is_a_capacity_change() => Assert.False(TopologyCapacity.Same(null, Topology()));

    public static TheoryData<string> Irrelevant => ["heartbeat", "qemu version", "accelerator reason", "ready condition", "resourceVersion", "labels"];

    [Theory]
    [MemberData(nameof(Irrelevant))]
    public void Heartbeats_and_other_facts_are_not_capacity_changes(string what)
    {
        var after = Changed(t =>
        {
            switch (what)
            {
                case "heartbeat":
                    t.Status!.HeartbeatTime = t.Status.HeartbeatTime!.Value.AddSeconds(30);
                    break;
                case "qemu version":
                    t.Status!.Qemu = Accelerators(kvmUsable: true);
                    t.Status.Qemu.Version = "8.2.0";
                    break;
                case "accelerator reason":
                    t.Status!.Qemu = Accelerators(kvmUsable: true, kvmReason: "arch-capabilities=off in use");
                    break;
                case "ready condition":
                    // The snapshot builder does not read conditions (an agent's staleness is the heartbeat's business).
                    t.Status!.Conditions![0].Status = "False";
                    break;
                case "resourceVersion":
                    t.Metadata.ResourceVersion = "8";
                    break;
                default:
                    t.Metadata.Labels = new Dictionary<string, string> { ["team"] = "a" };
                    break;
            }
        });

        Assert.True(TopologyCapacity.Same(Topology(), after), what);
    }

    public static TheoryData<string> Relevant =>
        ["cpus", "cores", "memory", "distances", "hugepage total", "free pages", "page sizes", "numa node id", "numa node removed", "reserved cpus", "kvm lost", "cpu model gone", "status removed"];

    [Theory]
    [MemberData(nameof(Relevant))]
    public void Placement_facts_are_capacity_changes(string what)
    {
        var after = Changed(t =>
        {
            var node = t.Status!.NumaNodes[1];
            switch (what)
            {
                case "cpus":
                    node.Cpus = "4-6";
                    break;
                case "cores":
                    node.Cores = [[4, 5], [6, 7]];
                    break;
                case "memory":
                    node.MemoryBytes -= 1 << 30;
                    break;
                case "distances":
                    node.Distances = [31, 10];
                    break;
                case "hugepage total":
                    node.Hugepages[0].Total = 2048;
                    break;
                case "free pages":
                    node.Hugepages[0].Free = 256; // capacity is what is free (FreePageCapacity)
                    break;
                case "page sizes":
                    node.Hugepages.RemoveAt(1);
                    break;
                case "numa node id":
                    node.Id = 2;
                    break;
                case "numa node removed":
                    t.Status.NumaNodes.RemoveAt(1);
                    break;
                case "reserved cpus":
                    t.Spec = new NumaNodeTopologySpec { ReservedCpus = "0" };
                    break;
                case "kvm lost":
                    t.Status.Qemu = Accelerators(kvmUsable: false);
                    break;
                case "cpu model gone":
                    t.Status.Qemu = Accelerators(kvmUsable: true, kvmModels: ["host-model"]);
                    break;
                default:
                    t.Status = null;
                    break;
            }
        });

        Assert.False(TopologyCapacity.Same(Topology(), after), what);
        Assert.False(TopologyCapacity.Same(after, Topology()), what + " (reverse)");
    }

    [Fact]
    public void Omitted_and_empty_reserved_cpus_are_the_same() =>
        Assert.True(TopologyCapacity.Same(Topology(reserved: null), Topology(reserved: "")));
}
