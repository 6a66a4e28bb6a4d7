using k8s.Models;
using NumaOperator.Agent.Launch;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Measurement;
using NumaOperator.Api.Status;

namespace NumaOperator.Agent.Tests;

/// <summary>The agent's pure decisions: when a sample is written, what status each lifecycle step writes, launch argv, durations.</summary>
public sealed class PureRulesTests
{
    private static readonly DateTime T0 = new(2026, 11, 29, 10, 0, 0, DateTimeKind.Utc);
    private static readonly NumaVerdict Aligned = new(true, NumaVerdict.ReasonAligned, "aligned: 64.0 MiB of guest RAM, 100.0% on placed host node 0");
    private static readonly NumaVerdict Remote = new(false, NumaVerdict.ReasonRemoteMemory, "not aligned: 30.0 GiB on host node 0, placed on node 1 (localRatio 0.000, 0 B local)");

    private static NumastatStatus Sample(DateTime at, params long[] bytesPerNode) => new()
    {
        SampledAt = at,
        Nodes = [.. bytesPerNode.Select((b, i) => new NumastatNode { Node = i, Bytes = b })],
        LocalRatio = "1.000",
    };

    private static NumaVirtualMachine Recorded(NumastatStatus? numastat, NumaVerdict? verdict, long generation = 1, long conditionGeneration = 1)
    {
        var vm = new NumaVirtualMachine { Metadata = new V1ObjectMeta { Name = "a", NamespaceProperty = "default", Generation = generation }, Status = new NumaVirtualMachineStatus { Numastat = numastat } };
        if (verdict is not null)
        {
            vm.Status.Conditions = ConditionList.Set(null, AgentConditions.NumaAligned, verdict.Aligned, verdict.Reason, verdict.Message, conditionGeneration, T0);
        }

        return vm;
    }

    [Fact]
    public void First_sample_is_written() =>
        Assert.Equal("first sample", NumastatDecision.ReasonToWrite(Recorded(null, null), Sample(T0, 64L << 20), Aligned, T0, TimeSpan.FromMinutes(5)));

    [Fact]
    public void An_unchanged_sample_is_not_written_until_it_is_older_than_the_maximum_age()
    {
        var recorded = Recorded(Sample(T0, 64L << 20, 0), Aligned);
        Assert.Null(NumastatDecision.ReasonToWrite(recorded, Sample(T0.AddSeconds(15), 64L << 20, 0), Aligned, T0.AddSeconds(15), TimeSpan.FromMinutes(5)));
        Assert.Null(NumastatDecision.ReasonToWrite(recorded, Sample(T0.AddMinutes(4), 64L << 20, 0), Aligned, T0.AddMinutes(4), TimeSpan.FromMinutes(5)));
        Assert.Equal("refresh", NumastatDecision.ReasonToWrite(recorded, Sample(T0.AddMinutes(5), 64L << 20, 0), Aligned, T0.AddMinutes(5), TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Small_moves_are_ignored_and_moves_beyond_the_threshold_are_written()
    {
        var gib30 = 30L << 30;
        var recorded = Recorded(Sample(T0, gib30, 0), Aligned);
        var now = T0.AddSeconds(15);
        // 1 MiB moved of 30 GiB: below both 2 MiB and 1 %.
        Assert.Null(NumastatDecision.ReasonToWrite(recorded, Sample(now, gib30 - (1L << 20), 1L << 20), Aligned, now, TimeSpan.FromMinutes(5)));
        // 4 MiB moved: above 2 MiB (the smaller of 2 MiB and 1 % of 30 GiB).
        Assert.StartsWith("host node 0 moved", NumastatDecision.ReasonToWrite(recorded, Sample(now, gib30 - (4L << 20), 4L << 20), Aligned, now, TimeSpan.FromMinutes(5)), StringComparison.Ordinal);
        // A 64 MiB VM: 1 % (0.64 MiB) is the smaller threshold, so one 2 MiB page moving counts.
        var small = Recorded(Sample(T0, 64L << 20, 0), Aligned);
        Assert.NotNull(NumastatDecision.ReasonToWrite(small, Sample(now, 62L << 20, 2L << 20), Aligned, now, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void A_verdict_change_a_local_ratio_change_a_new_node_or_a_new_generation_is_written()
    {
        var recorded = Recorded(Sample(T0, 64L << 20, 0), Aligned);
        var now = T0.AddSeconds(15);
        Assert.Equal("verdict Aligned -> RemoteMemory", NumastatDecision.ReasonToWrite(recorded, Sample(now, 64L << 20, 0), Remote, now, TimeSpan.FromMinutes(5)));
        var ratio = Sample(now, 64L << 20, 0);
        ratio.LocalRatio = "0.999";
        Assert.StartsWith("localRatio", NumastatDecision.ReasonToWrite(recorded, ratio, Aligned, now, TimeSpan.FromMinutes(5)), StringComparison.Ordinal);
        Assert.Equal("host nodes changed", NumastatDecision.ReasonToWrite(recorded, Sample(now, 64L << 20, 0, 0), Aligned, now, TimeSpan.FromMinutes(5)));
        Assert.Equal("new generation", NumastatDecision.ReasonToWrite(Recorded(Sample(T0, 64L << 20, 0), Aligned, generation: 2), Sample(now, 64L << 20, 0), Aligned, now, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Alignment_lost_only_on_the_transition()
    {
        Assert.True(NumastatDecision.AlignmentLost(Recorded(null, null), Remote));
        Assert.True(NumastatDecision.AlignmentLost(Recorded(Sample(T0, 1), Aligned), Remote));
        Assert.False(NumastatDecision.AlignmentLost(Recorded(Sample(T0, 1), Remote), Remote));
        Assert.False(NumastatDecision.AlignmentLost(Recorded(Sample(T0, 1), Aligned), Aligned));
    }

    [Fact]
    public void Ready_is_true_only_when_running_and_aligned_for_the_current_generation()
    {
        var vm = new NumaVirtualMachine { Metadata = new V1ObjectMeta { Name = "a", Generation = 3 } };
        AgentConditions.SetRunning(vm, "QEMU pid 1", T0);
        Assert.Equal("NotMeasured", ConditionList.Find(vm.Status!.Conditions, AgentConditions.Ready)!.Reason);
        Assert.False(ConditionList.IsTrue(vm.Status.Conditions, AgentConditions.Ready));

        AgentConditions.SetMeasured(vm, Sample(T0, 64L << 20), Remote, T0);
        var ready = ConditionList.Find(vm.Status.Conditions, AgentConditions.Ready)!;
        Assert.Equal(("False", "NotAligned"), (ready.Status, ready.Reason));
        Assert.Contains("30.0 GiB on host node 0", ready.Message, StringComparison.Ordinal);

        AgentConditions.SetMeasured(vm, Sample(T0, 64L << 20), Aligned, T0);
        Assert.True(ConditionList.IsTrue(vm.Status.Conditions, AgentConditions.Ready));
        Assert.Equal(3, vm.Status.ObservedGeneration);
        Assert.Equal("Running", vm.Status.Phase);

        // The spec moved on: Running/NumaAligned for generation 3 no longer make generation 4 Ready.
        vm.Metadata.Generation = 4;
        AgentConditions.UpdateReady(vm, T0);
        Assert.False(ConditionList.IsTrue(vm.Status.Conditions, AgentConditions.Ready));

        AgentConditions.SetStopped(vm, "spec.running is false", T0);
        Assert.Equal("Stopped", vm.Status.Phase);
        Assert.Null(vm.Status.Numastat);
        Assert.Null(ConditionList.Find(vm.Status.Conditions, AgentConditions.NumaAligned));
        Assert.Equal(("False", "Stopped"), (ConditionList.Find(vm.Status.Conditions, AgentConditions.Running)!.Status, ConditionList.Find(vm.Status.Conditions, AgentConditions.Running)!.Reason));
    }

    [Fact]
    public void Failed_stays_for_its_generation_only()
    {
        var vm = new NumaVirtualMachine { Metadata = new V1ObjectMeta { Name = "a", Generation = 2 } };
        AgentConditions.SetFailed(vm, AgentConditions.ReasonStartFailed, "QEMU pid 9 exited during start", T0);
        Assert.True(AgentConditions.FailedForThisGeneration(vm));
        vm.Metadata.Generation = 3;
        Assert.False(AgentConditions.FailedForThisGeneration(vm));

        // A host that is not ready is tried again (the admin may fix it); bad boot files wait for a spec change.
        AgentConditions.SetFailed(vm, AgentConditions.ReasonPreflightFailed, "pre-flight: no hugetlbfs", T0);
        Assert.False(AgentConditions.FailedForThisGeneration(vm));
        AgentConditions.SetFailed(vm, AgentConditions.ReasonBadBootFile, "pre-flight: spec.boot.kernel", T0);
        Assert.True(AgentConditions.FailedForThisGeneration(vm));
    }

    [Fact]
    public void A_refused_launch_names_its_reason_and_too_few_free_hugepages_is_not_terminal()
    {
        Assert.Equal(AgentConditions.ReasonBadBootFile, AgentConditions.RefusalReason(Runtime.LaunchRefusal.BadBootFile));
        Assert.Equal(AgentConditions.ReasonPreflightFailed, AgentConditions.RefusalReason(Runtime.LaunchRefusal.HostNotReady));
        Assert.Equal(AgentConditions.ReasonInsufficientHugepages, AgentConditions.RefusalReason(Runtime.LaunchRefusal.InsufficientHugepages));

        // The controller places it again; until it does, the agent tries again like any host problem.
        var vm = new NumaVirtualMachine { Metadata = new V1ObjectMeta { Name = "a", Generation = 1 } };
        AgentConditions.SetFailed(vm, AgentConditions.ReasonInsufficientHugepages, "pre-flight: host NUMA node 0 has 3 free 2Mi hugepages", T0);
        Assert.False(AgentConditions.FailedForThisGeneration(vm));
    }

    [Fact]
    public void Topology_status_keeps_the_last_numa_nodes_when_discovery_fails_and_only_the_heartbeat_does_not_count_as_a_change()
    {
        var facts = new Topology.HostFacts(
            new Numa.Discovery.SysfsTopologyReader(NumaOperator.Tests.Shared.RepoPaths.Fixture("sysfs", "intel-2s-smt")).ReadTopology(), null, EmulationOnly, null);
        var first = Topology.TopologyStatusBuilder.Build(facts, null, T0);
        Assert.Equal(2, first.NumaNodes.Count);
        Assert.Equal(("True", Topology.TopologyStatusBuilder.ReasonReady), (first.Conditions![0].Status, first.Conditions[0].Reason));
        Assert.Equal("7.2.22", first.Qemu!.Version);
        Assert.False(first.Qemu.Kvm);
        Assert.Equal(["KVM", "Emulation"], first.Qemu.Accelerators!.Select(a => a.Name));
        Assert.Equal(["host-model", "qemu64"], first.Qemu.Accelerators![1].CpuModels);
        Assert.Equal("/dev/kvm does not exist", first.Qemu.Accelerators![0].Reason);

        var later = Topology.TopologyStatusBuilder.Build(facts, first, T0.AddSeconds(30));
        Assert.Equal(Topology.TopologyStatusBuilder.ChangeKey(first), Topology.TopologyStatusBuilder.ChangeKey(later));

        var broken = Topology.TopologyStatusBuilder.Build(facts with { Topology = null, DiscoveryError = "node/online: missing" }, first, T0.AddSeconds(40));
        Assert.Equal(2, broken.NumaNodes.Count);
        Assert.Equal(("False", Topology.TopologyStatusBuilder.ReasonDiscoveryFailed), (broken.Conditions![0].Status, broken.Conditions[0].Reason));
        Assert.Equal(T0.AddSeconds(40), broken.Conditions[0].LastTransitionTime);
        Assert.NotEqual(Topology.TopologyStatusBuilder.ChangeKey(first), Topology.TopologyStatusBuilder.ChangeKey(broken));
    }

    private static VmLaunchSpec Spec() => new(
        "db1",
        Guid.Parse("8c0a4d8e-4a57-4d55-9a43-6b3c1f7f2a10"),
        new VmPlacement("n1", PageSize.HugeOfBytes(2L << 20), [new GuestNodePlacement(0, 0, CpuSet.Parse("0"), CpuSet.Empty, 64L << 20)]),
        new Qemu.Capabilities.QemuCpu(Accelerator.Emulation, AcceleratorNames.HostModel, "max"),
        ResolvedBoot.FirmwareOnly,
        new VmStatePaths("/tmp/s/vms/8c0a4d8e-4a57-4d55-9a43-6b3c1f7f2a10"));

    private static readonly Qemu.Capabilities.QemuCapabilities EmulationOnly = new(
        "/usr/bin/qemu-system-x86_64",
        new Version(7, 2, 22),
        [
            Qemu.Capabilities.AcceleratorCapability.Unusable(Accelerator.Kvm, "/dev/kvm does not exist"),
            new(Accelerator.Emulation, true, null, new Dictionary<string, string> { ["host-model"] = "max", ["qemu64"] = "qemu64" }),
        ]);

    [Fact]
    public void Direct_launch_runs_qemus_argv_as_is()
    {
        string[] qemu = ["/usr/bin/qemu-system-x86_64", "-uuid", "x", "-daemonize"];
        Assert.Equal(qemu, new DirectLaunch().Wrap(qemu, Spec()));
    }

    [Fact]
    public void Systemd_run_launch_enters_pid1_namespaces_and_runs_qemu_in_a_transient_scope_named_after_the_uid()
    {
        string[] qemu = ["/usr/bin/qemu-system-x86_64", "-name", "guest=--scope", "-daemonize"];
        var argv = new SystemdRunLaunch().Wrap(qemu, Spec());
        Assert.Equal(
            ["/usr/bin/nsenter", "-t", "1", "-m", "-u", "-i", "-n", "-p", "--",
             "systemd-run", "--unit=numa-vm-8c0a4d8e-4a57-4d55-9a43-6b3c1f7f2a10", "--scope", "--collect", "--quiet", "--",
             "/usr/bin/qemu-system-x86_64", "-name", "guest=--scope", "-daemonize"],
            argv);
    }

    [Theory]
    [InlineData("direct", "direct")]
    [InlineData("systemd-run", "systemd-run")]
    [InlineData("docker", null)]
    public void Launch_strategies_by_name(string name, string? expected) => Assert.Equal(expected, LaunchStrategies.ByName(name)?.Name);

    [Theory]
    [InlineData("15s", 15_000)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("0.5s", 500)]
    public void Go_style_durations_parse_to_their_length(string text, int ms)
    {
        Assert.True(DurationText.TryParse(text, out var d));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), d);
    }

    [Theory]
    [InlineData("")]
    [InlineData("15")]
    [InlineData("0s")]
    [InlineData("-5s")]
    [InlineData("15 s")]
    [InlineData("15sec")]
    [InlineData("99999999999999h")]
    public void Bad_durations_are_refused(string text) => Assert.False(DurationText.TryParse(text, out _));
}
