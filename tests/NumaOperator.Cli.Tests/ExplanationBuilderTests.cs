using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Explaining;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Cli.Tests;

/// <summary>The pure part of `numa-operator explain`: fixture objects in, explanation model (and its text) out.</summary>
public sealed class ExplanationBuilderTests
{
    private static readonly DateTime Now = new(2026, 11, 29, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Unscheduled_vm_gets_each_nodes_reason_and_what_it_asks_against_what_each_NUMA_node_has_free()
    {
        // worker-a: NUMA 0 full (another VM holds all 100 pages), NUMA 1 has 100 free; the VM asks 150 pages on one node.
        // worker-b: 400 pages, but the VM's nodeSelector excludes it. worker-c is cordoned, worker-d has no Node object.
        var vm = Vm("big", size: "300Mi", selector: new() { ["pool"] = "db" });
        vm.Status = new NumaVirtualMachineStatus
        {
            Phase = "Pending",
            Conditions = [Condition("Scheduled", "False", "Unschedulable", "0/3 nodes fit: 1 did not match nodeSelector, 1 no NUMA node with 150 free 2Mi pages, 1 node is cordoned", Now.AddMinutes(-3))],
        };
        var holder = Vm("holder", size: "200Mi");
        holder.Status = new NumaVirtualMachineStatus
        {
            NodeName = "worker-a",
            Placement = new PlacementStatus { PageSize = "2Mi", GuestNodes = [new GuestNodePlacementStatus { GuestNode = 0, HostNode = 0, Vcpus = "0-1", HostCpus = "", Memory = "200Mi" }] },
        };
        var input = new ExplainInput(vm, [], [vm, holder],
            [Topology("worker-a", 100, 100), Topology("worker-b", 400), Topology("worker-c", 400), Topology("worker-d", 400)],
            [Node("worker-a", pool: "db"), Node("worker-b", pool: "web"), Node("worker-c", pool: "db", cordoned: true)],
            Now);

        var e = ExplanationBuilder.Build(input);

        var s = Assert.IsType<SchedulingView>(e.Scheduling);
        Assert.Equal("0/3 nodes fit: 1 did not match nodeSelector, 1 no NUMA node with 150 free 2Mi pages, 1 node is cordoned", s.Summary);
        Assert.Equal("not scheduled: " + s.Summary, e.Verdict);
        Assert.Equal(("Unschedulable", s.Summary), (s.RecordedReason, s.RecordedMessage)); // explain agrees with what the controller wrote
        Assert.Null(s.FitsNowOn);
        Assert.Equal((150L, "2Mi", 2, false), (s.Request!.PagesPerGuestNode, s.Request.PageSize, s.Request.Vcpus, s.Request.Dedicated));
        Assert.Equal(["worker-a", "worker-b", "worker-c"], s.Nodes.Select(n => n.Node));
        var a = s.Nodes[0];
        Assert.Equal("no NUMA node with 150 free 2Mi pages", a.Reason);
        Assert.Equal([(0, 0L, 100L, false), (1, 100L, 100L, false)], a.NumaNodes.Select(n => (n.Id, n.FreePages, n.CapacityPages, n.EnoughPages)));
        Assert.Equal("did not match nodeSelector", s.Nodes[1].Reason);
        Assert.Equal("node is cordoned", s.Nodes[2].Reason);
        Assert.Equal(["worker-d: no Kubernetes Node of that name"], s.NodesNotConsidered);
        Assert.Null(e.Placement);

        var text = Text(e);
        Assert.Contains("node worker-a: no NUMA node with 150 free 2Mi pages", text, StringComparison.Ordinal);
        Assert.Contains("1 host NUMA node(s), each with 150 × 2Mi pages", text, StringComparison.Ordinal);
        Assert.Contains("node worker-c: node is cordoned", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_vm_whose_cpu_model_runs_nowhere_is_explained_per_node_with_what_each_accelerator_runs_there()
    {
        var vm = Vm("skylake", size: "64Mi");
        vm.Spec.Accelerator = "Any";
        vm.Spec.Cpu.Model = "Skylake-Server";
        var tcg = Topology("worker-tcg", 100);
        tcg.Status!.Qemu = new QemuInfo
        {
            Version = "7.2.22",
            Accelerators =
            [
                new AcceleratorStatus { Name = "KVM", Usable = false, Reason = "/dev/kvm does not exist" },
                new AcceleratorStatus { Name = "Emulation", Usable = true, CpuModels = ["host-model", "qemu64"] },
            ],
        };
        var input = new ExplainInput(vm, [], [vm], [tcg], [Node("worker-tcg")], Now);

        var s = ExplanationBuilder.Build(input).Scheduling!;
        Assert.Equal("0/1 nodes fit: 1 cpu model Skylake-Server not usable under Emulation", s.Summary);
        Assert.Equal(("Any", "Skylake-Server"), (s.Request!.Accelerator, s.Request.CpuModel));
        var text = Text(ExplanationBuilder.Build(input));
        Assert.Contains("accelerator Any, cpu model Skylake-Server", text, StringComparison.Ordinal);
        Assert.Contains("accelerators: KVM not usable (/dev/kvm does not exist); Emulation usable: host-model, qemu64", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Unscheduled_vm_that_fits_now_says_so_instead_of_repeating_the_stale_reason()
    {
        var vm = Vm("late", size: "100Mi");
        vm.Status = new NumaVirtualMachineStatus { Conditions = [Condition("Scheduled", "False", "Unschedulable", "0/0 nodes fit: no node has published a NumaNodeTopology", Now)] };

        var e = ExplanationBuilder.Build(new ExplainInput(vm, [], [vm], [Topology("worker-a", 100)], [Node("worker-a")], Now));

        Assert.Equal("worker-a", e.Scheduling!.FitsNowOn);
        Assert.StartsWith("not scheduled yet, but it fits now (on worker-a)", e.Verdict, StringComparison.Ordinal);
        Assert.Null(e.Scheduling.Nodes[0].Reason);
    }

    [Fact]
    public void Invalid_spec_names_the_field_path_and_the_allowed_values()
    {
        var vm = Vm("bad", size: "1Gi");
        vm.Spec.Memory.Hugepages!.PageSize = "3Mi";
        vm.Status = new NumaVirtualMachineStatus
        {
            Phase = "Pending",
            ObservedGeneration = 1,
            Conditions =
            [
                Condition("Scheduled", "False", "InvalidSpec", "invalid spec: spec.memory.hugepages.pageSize: Unsupported value: \"3Mi\": supported values: \"2Mi\", \"1Gi\"", Now),
                Condition("Stalled", "True", "InvalidSpec", "spec.memory.hugepages.pageSize: Unsupported value", Now),
            ],
        };

        var e = ExplanationBuilder.Build(new ExplainInput(vm, [], [vm], [Topology("worker-a", 1000)], [Node("worker-a")], Now));

        var error = Assert.Single(e.InvalidSpec!.Errors);
        Assert.Equal(("spec.memory.hugepages.pageSize", "3Mi"), (error.Path, error.Value));
        Assert.Contains("\"2Mi\", \"1Gi\"", error.Detail, StringComparison.Ordinal);
        Assert.Equal("InvalidSpec", e.InvalidSpec.Reason);
        Assert.StartsWith("not scheduled: invalid spec: spec.memory.hugepages.pageSize", e.Verdict, StringComparison.Ordinal);
        Assert.Equal(["Scheduled", "Stalled"], e.Conditions.Select(c => c.Type));
        Assert.Contains("spec.memory.hugepages.pageSize: Unsupported value \"3Mi\"", Text(e), StringComparison.Ordinal);
    }

    [Fact]
    public void Placed_vm_whose_spec_became_invalid_is_stalled_and_names_the_field()
    {
        var vm = Placed("db1", hostNode: 1, (1, 64L << 20));
        vm.Spec.Numa = new NumaSpec { Policy = "Loose" };
        vm.Status!.Conditions = [.. vm.Status.Conditions!, Condition("Stalled", "True", "InvalidSpec", "spec.numa.policy: Unsupported value: \"Loose\": supported values: \"Strict\", \"Preferred\"", Now)];

        var e = ExplanationBuilder.Build(new ExplainInput(vm, [], [], [], [], Now));

        Assert.StartsWith("stalled (InvalidSpec): spec.numa.policy", e.Verdict, StringComparison.Ordinal);
        var error = Assert.Single(e.InvalidSpec!.Errors);
        Assert.Equal("spec.numa.policy", error.Path);
        Assert.Contains("\"Strict\", \"Preferred\"", error.Detail, StringComparison.Ordinal);
        Assert.NotNull(e.Placement); // still placed: the VM keeps running on its placement
    }

    [Fact]
    public void Scheduled_and_aligned_vm_shows_placement_and_measurement_on_the_placed_node()
    {
        var vm = Placed("db1", hostNode: 1, (0, 0), (1, 64L << 20));
        vm.Status!.Conditions = [.. vm.Status.Conditions!, Condition("Running", "True", "Running", "QEMU pid 42", Now.AddMinutes(-5)),
            Condition("NumaAligned", "True", "Aligned", "all guest RAM on placed nodes", Now.AddSeconds(-30)), Condition("Ready", "True", "Ready", "running and aligned", Now.AddSeconds(-30))];
        vm.Status.Phase = "Running";
        vm.Status.ObservedGeneration = 1;

        var e = ExplanationBuilder.Build(new ExplainInput(vm, [], [], [], [], Now));

        Assert.Null(e.Scheduling);
        Assert.Equal(("worker-7", "1", "8-9"), (e.Placement!.Node, e.Placement.HostNodes, e.Placement.GuestNodes[0].HostCpus));
        Assert.Equal("placed on node 1, measured 64.0 MiB on node 1", e.Numastat!.Plain);
        Assert.Equal("ready: running on worker-7, host NUMA node(s) 1, memory where it was placed (localRatio 1.000)", e.Verdict);
        Assert.Null(e.GenerationNote);
        Assert.Equal("10s", e.Numastat.Age);
        Assert.Equal(["Scheduled", "Running", "NumaAligned", "Ready"], e.Conditions.Select(c => c.Type));
        Assert.Equal("5m", e.Conditions[1].Age);
    }

    [Fact]
    public void Scheduled_but_not_aligned_vm_says_where_the_memory_is_against_where_it_was_placed()
    {
        var vm = Placed("db1", hostNode: 1, (0, 64L << 20), (1, 0));
        vm.Status!.Numastat!.LocalRatio = "0.000";
        vm.Status.Conditions = [.. vm.Status.Conditions!, Condition("Running", "True", "Running", "QEMU pid 42", Now),
            Condition("NumaAligned", "False", "NotAligned", "64.0 MiB of guest RAM on host node 0, placed on 1", Now), Condition("Ready", "False", "NotAligned", "x", Now)];

        var e = ExplanationBuilder.Build(new ExplainInput(vm, [], [], [], [], Now));

        Assert.Equal("placed on node 1, measured 64.0 MiB on node 0 (not placed there)", e.Numastat!.Plain);
        Assert.Equal("NOT NUMA-aligned: placed on node 1, measured 64.0 MiB on node 0 (not placed there) (localRatio 0.000)", e.Verdict);
        Assert.Equal([(0, false), (1, true)], e.Numastat.Nodes.Select(n => (n.Node, n.Placed)));
        var text = Text(e);
        Assert.Contains("agent: 64.0 MiB of guest RAM on host node 0, placed on 1", text, StringComparison.Ordinal);
        Assert.Contains("NumaAligned=False NotAligned", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Restart_required_comes_before_the_running_state()
    {
        var vm = Placed("db1", hostNode: 1, (1, 64L << 20));
        vm.Status!.Conditions = [.. vm.Status.Conditions!, Condition("RestartRequired", "True", "SpecChanged", "the spec changed (spec.cpu.cores 4, placed 2); the VM keeps its placement until it is stopped", Now),
            Condition("Ready", "True", "Ready", "ok", Now)];

        var e = ExplanationBuilder.Build(new ExplainInput(vm, [], [], [], [], Now));

        Assert.Equal("restart required: the spec changed (spec.cpu.cores 4, placed 2); the VM keeps its placement until it is stopped", e.Verdict);
    }

    [Fact]
    public void Status_behind_the_generation_is_said_and_stale_conditions_are_marked()
    {
        var vm = Placed("db1", hostNode: 1, (1, 64L << 20));
        vm.Metadata.Generation = 3;
        vm.Status!.ObservedGeneration = 2;
        vm.Status.Conditions![0].ObservedGeneration = 3; // the controller re-stamped Scheduled; the agent has not caught up
        var ready = Condition("Ready", "True", "Ready", "ok", Now);
        ready.ObservedGeneration = 2;
        vm.Status.Conditions = [.. vm.Status.Conditions!, ready];

        var e = ExplanationBuilder.Build(new ExplainInput(vm, [], [], [], [], Now));

        Assert.Equal("status is behind the spec: status.observedGeneration 2 < metadata.generation 3 (the controller or agent has not caught up with the latest change); conditions written for an older generation: Ready", e.GenerationNote);
        Assert.Equal([false, true], e.Conditions.Select(c => c.Stale));
        Assert.Contains("(gen 2)", Text(e), StringComparison.Ordinal);
    }

    [Fact]
    public void Warnings_are_this_vms_newest_first_with_their_count_and_control_characters_escaped()
    {
        var vm = Vm("db1", size: "100Mi");
        vm.Metadata.Uid = "uid-now";
        Corev1Event Event(string type, string reason, string message, int count, int minutesAgo, string uid = "uid-now", string name = "db1") => new()
        {
            Type = type,
            Reason = reason,
            Message = message,
            Count = count,
            LastTimestamp = Now.AddMinutes(-minutesAgo),
            InvolvedObject = new V1ObjectReference { Kind = "NumaVirtualMachine", Name = name, Uid = uid },
            Source = new V1EventSource { Component = "numa-operator-controller" },
        };
        var events = new List<Corev1Event>
        {
            Event("Warning", "FailedScheduling", "0/1 nodes fit", 7, 1),
            Event("Warning", "InvalidSpec", "line one\nline two", 1, 5),
            Event("Normal", "Started", "fine", 1, 0),
            Event("Warning", "FailedScheduling", "from the VM deleted before", 3, 0, uid: "uid-old"),
            Event("Warning", "FailedScheduling", "another VM", 3, 0, name: "db2"),
        };

        var e = ExplanationBuilder.Build(new ExplainInput(vm, events, [vm], [], [], Now));

        Assert.Equal([("FailedScheduling", 7, "60s"), ("InvalidSpec", 1, "5m")], e.Warnings.Select(w => (w.Reason, w.Count, w.Age)));
        var text = Text(e);
        Assert.Contains("line one\\nline two", text, StringComparison.Ordinal);
        Assert.DoesNotContain("line one\nline two", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_form_holds_every_section_key()
    {
        var vm = Placed("db1", hostNode: 1, (1, 64L << 20));
        var json = System.Text.Json.JsonDocument.Parse(ExplanationJson.Serialize(ExplanationBuilder.Build(new ExplainInput(vm, [], [], [], [], Now)))).RootElement;

        Assert.Equal("default/db1", json.GetProperty("vm").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("scheduling").ValueKind);
        Assert.Equal("worker-7", json.GetProperty("placement").GetProperty("node").GetString());
        Assert.Equal(64L << 20, json.GetProperty("numastat").GetProperty("nodes")[0].GetProperty("bytes").GetInt64());
    }

    [Theory]
    [InlineData("db1")]
    [InlineData("default/db1/x")]
    [InlineData("Default/db1")]
    [InlineData("/db1")]
    [InlineData("default/")]
    public void Argument_not_NAMESPACE_slash_NAME_is_bad_input_naming_the_form(string text)
    {
        var error = Assert.Throws<BadInputException>(() => VmReference.Parse(text));
        Assert.Contains("argument NAMESPACE/NAME", error.Message, StringComparison.Ordinal);
        Assert.Contains("is not of the form NAMESPACE/NAME", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ages_read_like_kubectl()
    {
        Assert.Equal(["0s", "59s", "65s", "42m", "3h4m", "2d1h", "0s", "unknown"],
            new DateTime?[] { Now, Now.AddSeconds(-59), Now.AddSeconds(-65), Now.AddMinutes(-42), Now.AddMinutes(-184), Now.AddHours(-49), Now.AddSeconds(5), null }
                .Select(t => HumanDuration.Age(t, Now)));
    }

    private static string Text(Explanation e)
    {
        using var writer = new StringWriter();
        ExplanationText.Write(e, writer);
        return writer.ToString();
    }

    private static NumaVirtualMachine Vm(string name, string size, Dictionary<string, string>? selector = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Generation = 1, CreationTimestamp = Now.AddHours(-1) },
        Spec = new NumaVirtualMachineSpec
        {
            Running = true,
            Cpu = new CpuSpec { Cores = 2 },
            Memory = new MemorySpec { Size = size, Hugepages = new HugepagesSpec { PageSize = "2Mi" } },
            NodeSelector = selector,
        },
    };

    /// <summary>A 64Mi dedicated VM placed on worker-7 host node <paramref name="hostNode"/>, measured as given (node, bytes), sampled 10 s ago.</summary>
    private static NumaVirtualMachine Placed(string name, int hostNode, params (int Node, long Bytes)[] measured)
    {
        var vm = Vm(name, "64Mi");
        vm.Spec.Cpu.Dedicated = true;
        vm.Status = new NumaVirtualMachineStatus
        {
            Phase = "Scheduled",
            NodeName = "worker-7",
            Placement = new PlacementStatus { PageSize = "2Mi", GuestNodes = [new GuestNodePlacementStatus { GuestNode = 0, HostNode = hostNode, Vcpus = "0-1", HostCpus = "8-9", Memory = "64Mi" }] },
            Numastat = new NumastatStatus
            {
                SampledAt = Now.AddSeconds(-10),
                LocalRatio = "1.000",
                Nodes = [.. measured.Select(m => new NumastatNode { Node = m.Node, Bytes = m.Bytes })],
            },
            Conditions = [Condition("Scheduled", "True", "Scheduled", "placed on worker-7", Now.AddMinutes(-10))],
        };
        return vm;
    }

    private static V1Condition Condition(string type, string status, string reason, string message, DateTime at) =>
        new() { Type = type, Status = status, Reason = reason, Message = message, LastTransitionTime = at, ObservedGeneration = 1 };

    /// <summary>One host NUMA node per entry (2Mi pages), 8 CPUs each.</summary>
    private static NumaNodeTopology Topology(string name, params long[] pages) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Status = new NumaNodeTopologyStatus
        {
            NumaNodes = [.. pages.Select((p, id) => new NumaNodeStatus
            {
                Id = id,
                Cpus = $"{id * 8}-{(id * 8) + 7}",
                MemoryBytes = 64L << 30,
                Hugepages = [new HugepagePoolStatus { PageSize = "2Mi", Total = p, Free = p }],
                Distances = [.. pages.Select((_, other) => other == id ? 10 : 21)],
            })],
        },
    };

    private static V1Node Node(string name, string? pool = null, bool cordoned = false) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = pool is null ? null : new Dictionary<string, string> { ["pool"] = pool } },
        Spec = cordoned ? new V1NodeSpec { Unschedulable = true } : null,
    };
}
