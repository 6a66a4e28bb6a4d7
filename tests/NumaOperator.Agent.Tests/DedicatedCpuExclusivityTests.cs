using k8s;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.Supervision;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// Dedicated CPUs are exclusive on the host, through the real reconciler, controller and API server, with the VM
/// processes faked (<see cref="FakeVmRuntime"/> records every mask asked for): when a dedicated VM starts, the
/// running floating VM and the agent leave its CPUs and the reserved CPUs; when it is deleted, they get them back.
/// AgentWithQemuTests checks the same on real QEMU threads.
/// </summary>
public sealed class DedicatedCpuExclusivityTests
{
    private const string Node = "fake-node";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);
    private static readonly CpuSet Reserved = CpuSet.Parse("0,32");
    private static readonly CpuSet HostNodeZero = CpuSet.Parse("0-15,32-47");
    private readonly FakeVmRuntime runtime = new();

    private static AgentOptions Options() => new()
    {
        NodeName = Node,
        SysfsRoot = RepoPaths.Fixture("sysfs", "intel-2s-smt"),
        StateDirectory = "/nonexistent/numaop-fake-agent",
        SampleInterval = TimeSpan.FromMilliseconds(500),
        LivenessInterval = TimeSpan.FromMilliseconds(100),
        TopologyPollInterval = TimeSpan.FromMilliseconds(200),
        HeartbeatInterval = TimeSpan.FromSeconds(1),
    };

    private static NumaVirtualMachine Dedicated(string name)
    {
        var vm = AgentTestVms.Vm(name);
        vm.Spec.Cpu = new CpuSpec { Cores = 2, Dedicated = true };
        return vm;
    }

    private PinningPlan LastPlanOf(int pid) => runtime.Repins.Last(r => r.Pid == pid).Plan;

    private static CpuSet Everywhere(PinningPlan plan) => plan.VcpuCpus.Values.Aggregate(plan.EmulatorCpus, (acc, c) => acc.Union(c));

    [Fact]
    public async Task A_dedicated_vms_cpus_are_left_by_every_other_vm_and_the_agent_and_given_back_when_it_is_deleted()
    {
        await using var fixture = await AgentFixture.StartAsync();
        await fixture.AddNodeAsync(Node);
        await fixture.Topologies.CreateAsync(new NumaNodeTopology { Metadata = new V1ObjectMeta { Name = Node }, Spec = new NumaNodeTopologySpec { ReservedCpus = Reserved.ToString() } });
        var (agent, _) = fixture.StartAgent(Options(), runtime);
        fixture.StartController();
        await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(Within);

        var floatingUid = Guid.Parse((await fixture.CreateVmAsync(AgentTestVms.Vm("floating"), new List<Guid>())).Metadata.Uid);
        await Eventually.UntilAsync(() => fixture.VmAsync("floating"), AgentTestVms.IsReady, Within, "floating Ready", context: () => fixture.Log);
        var floatingPid = runtime.Alive[floatingUid];
        await Eventually.HoldsAsync(() => runtime.Repins.Any(r => r.Pid == floatingPid && Everywhere(r.Plan).Equals(HostNodeZero.Except(Reserved))), Within, "floating masked to node 0 minus the reserved CPUs");

        await fixture.CreateVmAsync(Dedicated("pinned"), new List<Guid>());
        var pinned = await Eventually.UntilAsync(() => fixture.VmAsync("pinned"), AgentTestVms.IsReady, Within, "pinned Ready", context: () => fixture.Log);
        var dedicated = CpuSet.Parse(pinned!.Status!.Placement!.GuestNodes.Single().HostCpus);
        Assert.Equal(2, dedicated.Count);
        Assert.False(dedicated.Overlaps(Reserved));

        await Eventually.HoldsAsync(() => Everywhere(LastPlanOf(floatingPid)).Equals(HostNodeZero.Except(Reserved).Except(dedicated)), Within, $"floating's threads off the dedicated CPUs {dedicated} and the reserved {Reserved}");
        var pinnedPid = runtime.Alive[Guid.Parse(pinned.Metadata.Uid)];
        var pinnedPlan = LastPlanOf(pinnedPid);
        Assert.Equal(dedicated, pinnedPlan.VcpuCpus.Values.Aggregate(CpuSet.Empty, (acc, c) => acc.Union(c)));
        Assert.Equal(HostNodeZero.Except(Reserved).Except(dedicated), pinnedPlan.EmulatorCpus);
        Assert.Equal(dedicated, runtime.AgentConfinements[^1]);

        await fixture.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "pinned");
        await Eventually.UntilAsync(() => fixture.VmAsync("pinned"), v => v is null, Within, "pinned gone");
        await Eventually.HoldsAsync(() => Everywhere(LastPlanOf(floatingPid)).Equals(HostNodeZero.Except(Reserved)), Within, "floating may use the deleted VM's CPUs again");
        await Eventually.HoldsAsync(() => runtime.AgentConfinements[^1].IsEmpty, Within, "the agent may use every CPU again");
    }

    [Fact]
    public async Task After_an_agent_restart_no_vm_is_masked_onto_the_cpus_of_a_dedicated_vm_not_adopted_yet()
    {
        await using var fixture = await AgentFixture.StartAsync();
        await fixture.AddNodeAsync(Node);
        var (agent, index) = fixture.StartAgent(Options(), runtime);
        fixture.StartController();
        await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(Within);
        var floatingUid = Guid.Parse((await fixture.CreateVmAsync(AgentTestVms.Vm("floating"), new List<Guid>())).Metadata.Uid);
        await fixture.CreateVmAsync(Dedicated("pinned"), new List<Guid>());
        await Eventually.UntilAsync(() => fixture.VmAsync("floating"), AgentTestVms.IsReady, Within, "floating Ready", context: () => fixture.Log);
        var pinned = await Eventually.UntilAsync(() => fixture.VmAsync("pinned"), AgentTestVms.IsReady, Within, "pinned Ready", context: () => fixture.Log);
        var dedicated = CpuSet.Parse(pinned!.Status!.Placement!.GuestNodes.Single().HostCpus);
        var floatingPid = runtime.Alive[floatingUid];

        await fixture.StopAsync(index);
        var before = runtime.Repins.Count;
        // One worker: the VMs are adopted one after the other, the floating one first (keys in list order, by name).
        var (second, _) = fixture.StartAgent(Options() with { Workers = 1 }, runtime);
        await second.WaitReadyAsync(CancellationToken.None).WaitAsync(Within);
        await Eventually.HoldsAsync(() => second.RunningVms.Count == 2 && runtime.Repins.Skip(before).Any(r => r.Pid == floatingPid), Within, "both VMs adopted and the floating one masked");
        Assert.True(runtime.Adoptions[0] == floatingUid, "precondition: the floating VM is adopted before the dedicated one");
        Assert.All(runtime.Repins.Skip(before).Where(r => r.Pid == floatingPid), r => Assert.False(Everywhere(r.Plan).Overlaps(dedicated), $"floating masked onto {Everywhere(r.Plan)}, which holds the dedicated CPUs {dedicated}"));
    }
}
