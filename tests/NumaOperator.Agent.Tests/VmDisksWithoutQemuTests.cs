using System.Text;
using k8s;
using k8s.Models;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// spec.disks and spec.cloudInit through the real agent, controller and embedded API server (which stores Secrets),
/// with <see cref="FakeVmRuntime"/> for QEMU: what reaches the launch, a missing Secret as a condition that starts
/// nothing, disks kept on stop and removed with the VM.
/// </summary>
public sealed class VmDisksWithoutQemuTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);
    private readonly FakeVmRuntime runtime = new();

    private static AgentOptions Options() => VmLifecycleWithoutQemuTests.Options();

    private static string Describe(NumaVirtualMachine? vm) => vm is null ? "no such VM" : KubernetesJson.Serialize(vm.Status);

    private static Task<NumaVirtualMachine?> UntilAsync(AgentFixture fixture, string name, Func<NumaVirtualMachine?, bool> done, string what) =>
        Eventually.UntilAsync(() => fixture.VmAsync(name), done, Within, what, Describe, () => fixture.Log);

    private static async Task<AgentFixture> StartAsync(FakeVmRuntime runtime)
    {
        var fixture = await AgentFixture.StartAsync();
        await fixture.AddNodeAsync(VmLifecycleWithoutQemuTests.Options().NodeName);
        var (agent, _) = fixture.StartAgent(Options(), runtime);
        fixture.StartController();
        await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(Within);
        return fixture;
    }

    private static NumaVirtualMachine Vm(string name, Action<NumaVirtualMachineSpec> change)
    {
        var vm = AgentTestVms.Vm(name, kernel: "vmlinuz");
        change(vm.Spec);
        return vm;
    }

    [Fact]
    public async Task A_missing_user_data_secret_is_a_condition_that_starts_nothing_until_the_secret_exists()
    {
        await using var fixture = await StartAsync(runtime);
        var created = await fixture.CreateVmAsync(Vm("vm1", s => s.CloudInit = new CloudInitSpec { UserDataSecretRef = new SecretKeyRef { Name = "vm1-init" } }), new List<Guid>());
        var uid = Guid.Parse(created.Metadata.Uid);

        var failed = await UntilAsync(fixture, "vm1", v => ConditionList.Find(v?.Status?.Conditions, AgentConditions.Running)?.Reason == CloudInitSources.ReasonCloudInitUnavailable, "vm1 CloudInitUnavailable");
        Assert.Equal(
            "spec.cloudInit.userDataSecretRef: Secret default/vm1-init does not exist; create it (key userdata) and the VM starts",
            ConditionList.Find(failed!.Status!.Conditions, AgentConditions.Running)!.Message);
        Assert.Equal(0, runtime.Starts(uid));

        await fixture.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "vm1-init" }, Data = new Dictionary<string, byte[]> { ["other"] = "x"u8.ToArray() } }, "default");
        failed = await UntilAsync(fixture, "vm1", v => ConditionList.Find(v?.Status?.Conditions, AgentConditions.Running)?.Message?.Contains("has no key userdata (it has: other)", StringComparison.Ordinal) == true, "vm1: the key is missing");
        Assert.Equal(0, runtime.Starts(uid));

        await fixture.Client.CoreV1.PatchNamespacedSecretAsync(
            new V1Patch("""{"stringData":{"userdata":"#cloud-config\nhostname: vm1\n"}}""", V1Patch.PatchType.MergePatch), "vm1-init", "default");
        await UntilAsync(fixture, "vm1", AgentTestVms.IsReady, "vm1 Ready once its Secret has the key");
        Assert.Equal("#cloud-config\nhostname: vm1\n", runtime.DiskRequest(uid)!.Seed!.UserData);
    }

    [Fact]
    public async Task Data_disks_inline_cloud_init_and_the_namespace_reach_the_launch()
    {
        await using var fixture = await StartAsync(runtime);
        var created = await fixture.CreateVmAsync(
            Vm("vm2", s =>
            {
                s.Disks = [new DataDiskSpec { Name = "data", Size = "1Gi" }];
                s.CloudInit = new CloudInitSpec { UserData = "#!/bin/sh\necho hello\n", NetworkData = "version: 2\n" };
            }),
            new List<Guid>());
        var uid = Guid.Parse(created.Metadata.Uid);

        await UntilAsync(fixture, "vm2", AgentTestVms.IsReady, "vm2 Ready");
        var request = runtime.DiskRequest(uid)!;
        Assert.Equal("default", request.Namespace);
        Assert.Equal([new NumaOperator.Qemu.Disks.DataDisk("data", 1L << 30)], request.DataDisks);
        Assert.Equal(new NumaOperator.Qemu.Disks.SeedFiles("#!/bin/sh\necho hello\n", "version: 2\n"), request.Seed);
    }

    [Fact]
    public async Task Disks_are_kept_when_the_vm_stops_and_removed_when_it_is_deleted()
    {
        await using var fixture = await StartAsync(runtime);
        var created = await fixture.CreateVmAsync(Vm("vm3", s => s.Disks = [new DataDiskSpec { Name = "data", Size = "1Gi" }]), new List<Guid>());
        var uid = Guid.Parse(created.Metadata.Uid);
        await UntilAsync(fixture, "vm3", AgentTestVms.IsReady, "vm3 Ready");

        await fixture.PatchVmAsync("vm3", """{"spec":{"running":false}}""");
        await UntilAsync(fixture, "vm3", v => v?.Status?.Phase == AgentConditions.PhaseStopped, "vm3 Stopped");
        Assert.True(runtime.HasDisks(uid));

        await fixture.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "vm3");
        await UntilAsync(fixture, "vm3", v => v is null, "vm3 deleted");
        await Eventually.HoldsAsync(() => !runtime.HasDisks(uid), Within, "vm3's disks removed", TimeSpan.FromMilliseconds(50));
    }
}
