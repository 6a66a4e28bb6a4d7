using k8s.Models;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Agent.Tests;

/// <summary>The agent's pure decisions for one VM key: fixtures in, one admission or action out (no clock, no I/O).</summary>
public sealed class VmRuntimeDecisionTests
{
    private const string Node = "n1";
    private static readonly DateTime T0 = new(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    private static NumaVirtualMachine Vm(string? phase = null, bool? running = true, string node = Node, string uid = "8c0a4d8e-4a57-4d55-9a43-6b3c1f7f2a10", string pageSize = "2Mi") => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "db1",
            NamespaceProperty = "default",
            Uid = uid,
            Generation = 3,
            Labels = new Dictionary<string, string> { [ApiGroup.NodeLabel] = node },
        },
        Spec = new NumaVirtualMachineSpec { Running = running },
        Status = new NumaVirtualMachineStatus
        {
            Phase = phase,
            NodeName = node,
            Placement = new PlacementStatus
            {
                PageSize = pageSize,
                GuestNodes = [new GuestNodePlacementStatus { GuestNode = 0, HostNode = 1, Vcpus = "0-1", HostCpus = "", Memory = "64Mi" }],
                Accelerator = "Emulation",
                CpuModel = "host-model",
            },
        },
    };

    private static NumaVirtualMachine Deleting(NumaVirtualMachine vm)
    {
        vm.Metadata.DeletionTimestamp = T0;
        return vm;
    }

    private static NumaVirtualMachine Failed(NumaVirtualMachine vm, string reason)
    {
        AgentConditions.SetFailed(vm, reason, "it failed", T0);
        return vm;
    }

    [Fact]
    public void A_vm_no_longer_in_the_cache_is_gone_and_nothing_may_keep_running_for_it() =>
        Assert.Equal(new VmAdmission.Gone(Forget: false), VmRuntimeDecision.Admit(null, Node));

    [Fact]
    public void A_cached_vm_whose_label_moved_to_another_node_is_gone_and_forgotten() =>
        Assert.Equal(new VmAdmission.Gone(Forget: true), VmRuntimeDecision.Admit(Vm(node: "n2"), Node));

    [Fact]
    public void A_vm_without_a_uuid_uid_is_ignored_with_an_error_naming_metadata_uid()
    {
        var ignored = Assert.IsType<VmAdmission.Ignored>(VmRuntimeDecision.Admit(Vm(uid: "not-a-uuid"), Node));
        Assert.Contains("metadata.uid (not-a-uuid)", ignored.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_vm_labelled_here_but_not_yet_placed_here_is_ignored_silently()
    {
        var vm = Vm();
        vm.Status!.NodeName = "n2";
        Assert.Equal(new VmAdmission.Ignored(null), VmRuntimeDecision.Admit(vm, Node));
    }

    [Fact]
    public void An_unreadable_placement_is_ignored_with_an_error_naming_the_field()
    {
        var ignored = Assert.IsType<VmAdmission.Ignored>(VmRuntimeDecision.Admit(Vm(pageSize: "huge"), Node));
        Assert.Contains("status.placement.pageSize", ignored.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, false, true)]
    [InlineData(null, false, true)]
    [InlineData(false, false, false)]
    [InlineData(true, true, false)]
    public void A_placed_vm_wants_running_unless_running_is_false_or_it_is_being_deleted(bool? running, bool deleting, bool wanted)
    {
        var vm = Vm(running: running);
        var managed = Assert.IsType<VmAdmission.Managed>(VmRuntimeDecision.Admit(deleting ? Deleting(vm) : vm, Node));
        Assert.Equal(wanted, managed.WantRunning);
        Assert.Equal(1, Assert.Single(managed.Placement.GuestNodes).HostNode);
    }

    [Fact]
    public void Nothing_held_and_no_state_dir_starts_it() =>
        Assert.Equal(new VmAction.Start(), VmRuntimeDecision.Decide(Vm(), wantRunning: true, HeldProcess.None, Leftover.None, T0));

    [Fact]
    public void A_live_qemu_left_by_a_previous_agent_is_adopted_whatever_the_spec_says()
    {
        Assert.Equal(new VmAction.Adopt(ReportDiedIfFails: true), VmRuntimeDecision.Decide(Vm("Running"), wantRunning: true, HeldProcess.None, Leftover.QemuRuns, T0));
        Assert.Equal(new VmAction.Adopt(ReportDiedIfFails: false), VmRuntimeDecision.Decide(Vm("Running", running: false), wantRunning: false, HeldProcess.None, Leftover.QemuRuns, T0));
    }

    [Theory]
    [InlineData("Running", true)]
    [InlineData("Starting", true)]
    [InlineData("Stopping", true)]
    [InlineData("Stopped", false)]
    [InlineData("Failed", false)]
    [InlineData(null, false)]
    public void A_dead_qemus_state_dir_is_cleared_and_reported_as_exited_only_when_status_said_it_ran(string? phase, bool reported) =>
        Assert.Equal(new VmAction.ClearLeftovers(reported), VmRuntimeDecision.Decide(Vm(phase), wantRunning: true, HeldProcess.None, Leftover.NothingRuns, T0));

    [Fact]
    public void A_dead_qemus_state_dir_is_not_reported_when_the_vm_should_not_run() =>
        Assert.Equal(new VmAction.ClearLeftovers(false), VmRuntimeDecision.Decide(Vm("Running", running: false), wantRunning: false, HeldProcess.None, Leftover.NothingRuns, T0));

    [Fact]
    public void Running_false_stops_the_held_qemu_and_says_why()
    {
        Assert.Equal(new VmAction.Stop(true, "QEMU stopped: spec.running is false"), VmRuntimeDecision.Decide(Vm(running: false), wantRunning: false, HeldProcess.Alive, Leftover.None, T0));
        Assert.Equal(new VmAction.Stop(false, "QEMU stopped: spec.running is false"), VmRuntimeDecision.Decide(Vm(running: false), wantRunning: false, HeldProcess.None, Leftover.None, T0));
    }

    [Fact]
    public void A_vm_being_deleted_is_stopped_with_that_reason() =>
        Assert.Equal(new VmAction.Stop(true, "QEMU stopped: the VM is being deleted"), VmRuntimeDecision.Decide(Deleting(Vm()), wantRunning: false, HeldProcess.Dead, Leftover.None, T0));

    [Fact]
    public void A_held_qemu_that_runs_is_confirmed_and_one_that_died_is_reported()
    {
        Assert.Equal(new VmAction.ConfirmRunning(), VmRuntimeDecision.Decide(Vm("Running"), wantRunning: true, HeldProcess.Alive, Leftover.None, T0));
        Assert.Equal(new VmAction.ReportExited(), VmRuntimeDecision.Decide(Vm("Running"), wantRunning: true, HeldProcess.Dead, Leftover.None, T0));
    }

    [Theory]
    [InlineData(AgentConditions.ReasonBadBootFile)]
    [InlineData(AgentConditions.ReasonStartFailed)]
    public void A_vm_failed_for_this_generation_stays_failed(string reason) =>
        Assert.Equal(new VmAction.StayFailed(), VmRuntimeDecision.Decide(Failed(Vm(), reason), wantRunning: true, HeldProcess.None, Leftover.None, T0));

    [Fact]
    public void A_vm_failed_for_an_older_generation_is_started_again()
    {
        var vm = Failed(Vm(), AgentConditions.ReasonStartFailed);
        vm.Metadata.Generation = 4;
        Assert.Equal(new VmAction.Start(), VmRuntimeDecision.Decide(vm, wantRunning: true, HeldProcess.None, Leftover.None, T0));
    }
}
