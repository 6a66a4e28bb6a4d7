using k8s.Models;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Qemu.Measurement;
using NumaOperator.Api.Status;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// status.numastat.guestNodes as the agent writes it, and when a per-guest-node change is worth a write: a VM on host
/// nodes 0 and 1 whose two guest nodes swap places keeps the same bytes per host node, so only the per-guest-node view
/// tells the story.
/// </summary>
public sealed class GuestNodeNumastatTests
{
    private const long Mi = 1L << 20;
    private static readonly DateTime T0 = new(2026, 11, 29, 10, 0, 0, DateTimeKind.Utc);
    private static readonly GuestRamLayout Spanning = new(2 * Mi, true, "/dev/hugepages", [new GuestRamBackend(0, 0, 64 * Mi), new GuestRamBackend(1, 1, 64 * Mi)]);

    /// <summary>numa_maps and maps of two hugetlbfs backends, mem0 bound to and resident on <paramref name="mem0Node"/>, mem1 on <paramref name="mem1Node"/>.</summary>
    private static NumaMeasurement Measured(int mem0Node, int mem1Node)
    {
        string Line(string id, ulong at, int node) => $"{at:x} bind:{node} file=/dev/hugepages/qemu_back_mem.{id}.Xy12Zw\\040(deleted) huge dirty=32 N{node}=32 kernelpagesize_kB=2048\n";
        string Range(string id, ulong at) => $"{at:x}-{at + (64UL << 20):x} rw-s 00000000 00:26 1 /dev/hugepages/qemu_back_mem.{id}.Xy12Zw (deleted)\n";
        return GuestMemoryMeasurer.Measure(
            Line("mem0", 0x7f0000000000, mem0Node) + Line("mem1", 0x7f1000000000, mem1Node),
            Range("mem0", 0x7f0000000000) + Range("mem1", 0x7f1000000000),
            Spanning);
    }

    private static NumaVirtualMachine Recorded(NumastatStatus numastat, NumaVerdict verdict)
    {
        var vm = new NumaVirtualMachine { Metadata = new V1ObjectMeta { Name = "span", NamespaceProperty = "default", Generation = 1 }, Status = new NumaVirtualMachineStatus() };
        AgentConditions.SetMeasured(vm, numastat, verdict, T0);
        return vm;
    }

    [Fact]
    public void Each_guest_node_is_written_with_its_placed_host_node_the_nodes_holding_its_bytes_and_its_policy()
    {
        var numastat = AgentConditions.Numastat(Measured(1, 0), [0, 1], T0);

        Assert.Equal("0.000", numastat.LocalRatio);
        var guests = numastat.GuestNodes!.Select(g => (g.GuestNode, g.HostNode, g.Policy, Nodes: string.Join(" ", g.Nodes.Select(n => $"{n.Node}={n.Bytes}")))).ToArray();
        Assert.Equal([(0, 0, "bind:1", $"0=0 1={64 * Mi}"), (1, 1, "bind:0", $"0={64 * Mi} 1=0")], guests);
        Assert.Equal([64 * Mi, 64 * Mi], numastat.Nodes.Select(n => n.Bytes)); // the VM-level view alone looks fine
    }

    [Fact]
    public void Guest_nodes_that_trade_places_are_written_though_every_host_node_keeps_its_bytes()
    {
        var aligned = Measured(0, 1);
        var recorded = Recorded(AgentConditions.Numastat(aligned, [0, 1], T0), NumaVerdict.Judge(aligned));
        var now = T0.AddSeconds(15);

        Assert.Null(NumastatDecision.ReasonToWrite(recorded, AgentConditions.Numastat(Measured(0, 1), [0, 1], now), NumaVerdict.Judge(Measured(0, 1)), now, TimeSpan.FromMinutes(5)));

        // Same verdict on purpose: the per-guest-node bytes alone must trigger the write.
        var swapped = AgentConditions.Numastat(Measured(1, 0), [0, 1], now);
        swapped.LocalRatio = "1.000";
        Assert.Equal(
            "guest node 0: placed host node or policy changed",
            NumastatDecision.ReasonToWrite(recorded, swapped, NumaVerdict.Judge(aligned), now, TimeSpan.FromMinutes(5)));
        foreach (var g in swapped.GuestNodes!)
        {
            g.Policy = $"bind:{g.HostNode}";
        }

        Assert.StartsWith("guest node 0 on host nodes changed", NumastatDecision.ReasonToWrite(recorded, swapped, NumaVerdict.Judge(aligned), now, TimeSpan.FromMinutes(5)), StringComparison.Ordinal);
    }

    [Fact]
    public void The_not_aligned_condition_names_each_guest_node_and_ready_repeats_it()
    {
        var swapped = Measured(1, 0);
        var vm = new NumaVirtualMachine { Metadata = new V1ObjectMeta { Name = "span", Generation = 1 } };
        AgentConditions.SetRunning(vm, "QEMU pid 1", T0);

        AgentConditions.SetMeasured(vm, AgentConditions.Numastat(swapped, [0, 1], T0), NumaVerdict.Judge(swapped), T0);

        var aligned = ConditionList.Find(vm.Status!.Conditions, AgentConditions.NumaAligned)!;
        Assert.Equal(("False", NumaVerdict.ReasonRemoteMemory), (aligned.Status, aligned.Reason));
        Assert.Contains("guest node 0: 64.0 MiB on host node 1, placed on node 0; guest node 1: 64.0 MiB on host node 0, placed on node 1", aligned.Message, StringComparison.Ordinal);
        Assert.Equal(aligned.Message, ConditionList.Find(vm.Status.Conditions, AgentConditions.Ready)!.Message);
    }
}
