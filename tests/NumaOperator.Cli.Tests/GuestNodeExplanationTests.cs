using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Explaining;

namespace NumaOperator.Cli.Tests;

/// <summary>`explain` of a VM spanning host nodes 0 and 1: the per-guest-node measurement against the placement.</summary>
public sealed class GuestNodeExplanationTests
{
    private static readonly DateTime Now = new(2026, 11, 29, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Swapped_guest_nodes_are_shown_per_guest_node_though_both_host_nodes_hold_their_share()
    {
        var vm = Spanning(("bind:1", 0, 64L << 20, 1), ("bind:0", 64L << 20, 0, 0));

        var e = ExplanationBuilder.Build(new ExplainInput(vm, [], [], [], [], Now));

        Assert.Equal(
            "guest node 0 placed on node 0, measured 64.0 MiB on node 1 (not placed there); guest node 1 placed on node 1, measured 64.0 MiB on node 0 (not placed there)",
            e.Numastat!.Plain);
        Assert.StartsWith("NOT NUMA-aligned: guest node 0 placed on node 0", e.Verdict, StringComparison.Ordinal);
        Assert.Equal([(0, 0, "bind:1", false), (1, 1, "bind:0", false)], e.Numastat.GuestNodes!.Select(g => (g.GuestNode, g.HostNode, g.Policy, g.Local)));
        var text = Text(e);
        Assert.Matches(@"GUEST NODE\s+PLACED ON\s+MEASURED\s+POLICY", text);
        Assert.Matches(@"\n  0\s+0\s+0 B on node 0, 64\.0 MiB on node 1 \(not its node\)\s+bind:1\n", text);
        Assert.Matches(@"\n  1\s+1\s+64\.0 MiB on node 0 \(not its node\), 0 B on node 1\s+bind:0\n", text);
    }

    [Fact]
    public void Aligned_spanning_vm_lists_each_guest_node_on_its_own_host_node()
    {
        var vm = Spanning(("bind:0", 64L << 20, 0, 1), ("bind:1", 0, 64L << 20, 1));
        vm.Status!.Numastat!.LocalRatio = "1.000";

        var e = ExplanationBuilder.Build(new ExplainInput(vm, [], [], [], [], Now));

        Assert.All(e.Numastat!.GuestNodes!, g => Assert.True(g.Local));
        Assert.Equal("guest node 0 placed on node 0, measured 64.0 MiB on node 0; guest node 1 placed on node 1, measured 64.0 MiB on node 1", e.Numastat.Plain);
        var json = System.Text.Json.Nodes.JsonNode.Parse(ExplanationJson.Serialize(e))!["numastat"]!["guestNodes"]!.AsArray();
        Assert.Equal(["bind:0", "bind:1"], json.Select(g => g!["policy"]!.GetValue<string>()));
        Assert.Equal([1, 1], json.Select(g => g!["nodes"]!.AsArray().Single(n => n!["placed"]!.GetValue<bool>())!["node"]!.GetValue<int>() == g!["hostNode"]!.GetValue<int>() ? 1 : 0));
    }

    private static string Text(Explanation e)
    {
        using var writer = new StringWriter();
        ExplanationText.Write(e, writer);
        return writer.ToString();
    }

    /// <summary>Two guest nodes of 64Mi placed on host nodes 0 and 1 of worker-7; per guest node: policy, bytes on host node 0 and 1, NumaAligned (1 True, 0 False).</summary>
    private static NumaVirtualMachine Spanning((string Policy, long On0, long On1, int Aligned) g0, (string Policy, long On0, long On1, int Aligned) g1)
    {
        NumastatGuestNode Guest(int id, (string Policy, long On0, long On1, int Aligned) g) => new()
        {
            GuestNode = id,
            HostNode = id,
            Policy = g.Policy,
            Nodes = [new NumastatNode { Node = 0, Bytes = g.On0 }, new NumastatNode { Node = 1, Bytes = g.On1 }],
        };

        var aligned = g0.Aligned == 1 && g1.Aligned == 1;
        return new NumaVirtualMachine
        {
            Metadata = new V1ObjectMeta { Name = "span", NamespaceProperty = "default", Generation = 1, CreationTimestamp = Now.AddHours(-1) },
            Spec = new NumaVirtualMachineSpec { Running = true, Cpu = new CpuSpec { Cores = 2, Dedicated = true }, Memory = new MemorySpec { Size = "128Mi", Hugepages = new HugepagesSpec { PageSize = "2Mi" } } },
            Status = new NumaVirtualMachineStatus
            {
                Phase = "Running",
                NodeName = "worker-7",
                ObservedGeneration = 1,
                Placement = new PlacementStatus
                {
                    PageSize = "2Mi",
                    GuestNodes = [
                        new GuestNodePlacementStatus { GuestNode = 0, HostNode = 0, Vcpus = "0", HostCpus = "7", Memory = "64Mi" },
                        new GuestNodePlacementStatus { GuestNode = 1, HostNode = 1, Vcpus = "1", HostCpus = "15", Memory = "64Mi" },
                    ],
                },
                Numastat = new NumastatStatus
                {
                    SampledAt = Now.AddSeconds(-10),
                    LocalRatio = "0.000",
                    Nodes = [new NumastatNode { Node = 0, Bytes = g0.On0 + g1.On0 }, new NumastatNode { Node = 1, Bytes = g0.On1 + g1.On1 }],
                    GuestNodes = [Guest(0, g0), Guest(1, g1)],
                },
                Conditions = [
                    Condition("Scheduled", "True", "Scheduled"),
                    Condition("Running", "True", "Running"),
                    Condition("NumaAligned", aligned ? "True" : "False", aligned ? "Aligned" : "RemoteMemory"),
                    Condition("Ready", aligned ? "True" : "False", aligned ? "Ready" : "NotAligned"),
                ],
            },
        };
    }

    private static V1Condition Condition(string type, string status, string reason) =>
        new() { Type = type, Status = status, Reason = reason, Message = reason, LastTransitionTime = Now, ObservedGeneration = 1 };
}
