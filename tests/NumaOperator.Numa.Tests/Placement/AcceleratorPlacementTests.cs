using NumaOperator.Numa.Placement;
using static NumaOperator.Numa.Tests.Placement.TestCluster;

namespace NumaOperator.Numa.Tests.Placement;

/// <summary>spec.accelerator and spec.cpu.model against what each node's agent found working.</summary>
public class AcceleratorPlacementTests
{
    private static readonly HashSet<string> KvmModels = ["host-passthrough", "host-model", "EPYC", "qemu64"];
    private static readonly HashSet<string> EmulatedModels = ["host-model", "qemu64"];

    private static ClusterNode KvmNode(string name) => Node(name, HostNode(0, 0, 4)) with
    {
        Accelerators = [new AcceleratorOffer(Accelerator.Kvm, true, KvmModels), new AcceleratorOffer(Accelerator.Emulation, true, EmulatedModels)],
    };

    private static ClusterNode EmulationNode(string name) => Node(name, HostNode(0, 0, 4)) with
    {
        Accelerators = [new AcceleratorOffer(Accelerator.Kvm, false, new HashSet<string>(), "/dev/kvm does not exist"), new AcceleratorOffer(Accelerator.Emulation, true, EmulatedModels)],
    };

    private static VmRequest VmWith(AcceleratorRequirement accelerator, string model = "host-model") =>
        Vm("ns/a", 1, 2 * Gi) with { Accelerator = accelerator, CpuModel = model };

    [Fact]
    public void A_vm_that_needs_kvm_goes_only_where_kvm_is_usable_and_records_it()
    {
        // The emulation-only node is the tighter fit, so only the accelerator can send the VM to the other one.
        var ledger = Ledger(EmulationNode("a-tcg"), KvmNode("b-kvm"));
        var placement = Placed(ledger, VmWith(AcceleratorRequirement.Kvm));
        Assert.Equal("b-kvm", placement.NodeName);
        Assert.Equal(Accelerator.Kvm, placement.Accelerator);
        Assert.Equal("host-model", placement.CpuModel);
    }

    [Fact]
    public void A_vm_that_accepts_either_prefers_kvm_and_falls_back_to_emulation()
    {
        Assert.Equal(Accelerator.Kvm, Placed(Ledger(EmulationNode("a-tcg"), KvmNode("b-kvm")), VmWith(AcceleratorRequirement.Any)).Accelerator);

        var onlyEmulation = Placed(Ledger(EmulationNode("a-tcg")), VmWith(AcceleratorRequirement.Any));
        Assert.Equal(("a-tcg", Accelerator.Emulation), (onlyEmulation.NodeName, onlyEmulation.Accelerator));
    }

    [Fact]
    public void Emulation_is_an_explicit_choice_even_where_kvm_works()
    {
        Assert.Equal(Accelerator.Emulation, Placed(Ledger(KvmNode("k")), VmWith(AcceleratorRequirement.Emulation)).Accelerator);
    }

    [Fact]
    public void A_vm_needing_kvm_on_emulation_only_nodes_is_unschedulable_saying_kvm_is_not_usable()
    {
        var rejected = NotPlaced(Ledger(EmulationNode("a"), EmulationNode("b")), VmWith(AcceleratorRequirement.Kvm));
        Assert.Equal("0/2 nodes fit: 2 KVM not usable", rejected.Summary);
    }

    [Fact]
    public void A_cpu_model_that_runs_nowhere_is_unschedulable_naming_the_model()
    {
        var rejected = NotPlaced(Ledger(KvmNode("k"), EmulationNode("t")), VmWith(AcceleratorRequirement.Any, "Skylake-Server"));
        Assert.Contains("cpu model Skylake-Server not usable under KVM or Emulation", rejected.Summary, StringComparison.Ordinal);
        Assert.Contains("cpu model Skylake-Server not usable under Emulation", rejected.Summary, StringComparison.Ordinal);

        var passthrough = NotPlaced(Ledger(EmulationNode("t")), VmWith(AcceleratorRequirement.Any, "host-passthrough"));
        Assert.Equal("0/1 nodes fit: 1 cpu model host-passthrough not usable under Emulation", passthrough.Summary);
    }

    [Fact]
    public void A_named_model_goes_where_qemu_reported_it_available()
    {
        var placement = Placed(Ledger(EmulationNode("a"), KvmNode("b")), VmWith(AcceleratorRequirement.Any, "EPYC"));
        Assert.Equal(("b", Accelerator.Kvm, "EPYC"), (placement.NodeName, placement.Accelerator, placement.CpuModel));
    }

    [Fact]
    public void A_node_without_qemu_facts_constrains_nothing_and_gives_the_vm_the_accelerator_it_asks_for()
    {
        VmPlacement PlaceOn(AcceleratorRequirement accelerator, string model = "host-model") =>
            Placed(Ledger(Node("hand-written", HostNode(0, 0, 4))), VmWith(accelerator, model));
        Assert.Equal(Accelerator.Kvm, PlaceOn(AcceleratorRequirement.Kvm, "Anything").Accelerator);
        Assert.Equal(Accelerator.Kvm, PlaceOn(AcceleratorRequirement.Any).Accelerator);
        Assert.Equal(Accelerator.Emulation, PlaceOn(AcceleratorRequirement.Emulation).Accelerator);
    }

    [Fact]
    public void Resources_still_decide_among_nodes_that_run_the_vm()
    {
        // Both give KVM: the packing policy decides as it would without accelerators.
        var roomy = KvmNode("a") with { Topology = Node("a", HostNode(0, 0, 4, pages2Mi: 8192)).Topology };
        var tight = KvmNode("b") with { Topology = Node("b", HostNode(0, 0, 4, pages2Mi: 1024)).Topology };
        Assert.Equal("b", Placed(Ledger(roomy, tight), VmWith(AcceleratorRequirement.Kvm), PackingPolicy.NumaBestFit).NodeName);
        Assert.Equal("a", Placed(Ledger(roomy, tight), VmWith(AcceleratorRequirement.Kvm), PackingPolicy.Spread).NodeName);
    }
}
