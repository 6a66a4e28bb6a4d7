using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Api.Status;

namespace NumaOperator.Controller.Tests;

/// <summary>The controller places by what each node's agent found its QEMU runs (status.qemu.accelerators).</summary>
public sealed class AcceleratorSchedulingTests
{
    [Fact]
    public async Task A_vm_needing_kvm_waits_unschedulable_until_a_node_publishes_kvm_then_is_placed_under_kvm()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 1024);
        await fixture.SetAcceleratorsAsync("worker-1", kvmUsable: false, "host-model", "qemu64");
        fixture.StartController();

        await fixture.CreateAsync(ControllerFixture.Vm("needs-kvm")); // spec.accelerator defaults to KVM
        var waiting = await fixture.WaitForAsync("needs-kvm", ControllerFixture.IsUnschedulable);
        Assert.Equal("0/1 nodes fit: 1 KVM not usable", ConditionList.Find(waiting.Status!.Conditions, SchedulingStatus.ConditionType)!.Message);
        Assert.Equal("KVM", waiting.Spec.Accelerator);
        Assert.Equal("host-model", waiting.Spec.Cpu.Model);

        // The node's KVM starts working (the agent probed again after `modprobe kvm`): a capacity change.
        await fixture.SetAcceleratorsAsync("worker-1", kvmUsable: true, "host-model", "qemu64");
        var placed = await fixture.WaitForAsync("needs-kvm", ControllerFixture.IsScheduled);
        Assert.Equal(("KVM", "host-model", "Strict"), (placed.Status!.Placement!.Accelerator, placed.Status.Placement.CpuModel, placed.Status.Placement.Policy));
        Assert.EndsWith("runs under KVM with cpu model host-model", ConditionList.Find(placed.Status.Conditions, SchedulingStatus.ConditionType)!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cpu_model_that_runs_on_no_node_is_unschedulable_naming_the_model_and_any_goes_to_emulation()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 1024);
        await fixture.SetAcceleratorsAsync("worker-1", kvmUsable: false, "host-model", "qemu64");
        fixture.StartController();

        var skylake = ControllerFixture.Vm("skylake");
        skylake.Spec.Accelerator = "Any";
        skylake.Spec.Cpu.Model = "Skylake-Server";
        await fixture.CreateAsync(skylake);
        var refused = await fixture.WaitForAsync("skylake", ControllerFixture.IsUnschedulable);
        Assert.Equal("0/1 nodes fit: 1 cpu model Skylake-Server not usable under Emulation", ConditionList.Find(refused.Status!.Conditions, SchedulingStatus.ConditionType)!.Message);

        var any = ControllerFixture.Vm("any");
        any.Spec.Accelerator = "Any";
        any.Spec.Cpu.Model = "qemu64";
        await fixture.CreateAsync(any);
        var placed = await fixture.WaitForAsync("any", ControllerFixture.IsScheduled);
        Assert.Equal(("Emulation", "qemu64"), (placed.Status!.Placement!.Accelerator, placed.Status.Placement.CpuModel));
    }
}
