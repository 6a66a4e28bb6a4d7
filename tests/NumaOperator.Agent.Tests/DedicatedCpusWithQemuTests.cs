using k8s;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.Host;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// Dedicated CPUs are exclusive on a real host: the controller, the agent and real QEMU (firmware-only VMs, TCG
/// where there is no /dev/kvm). Each QEMU runs with debug-threads=on, so its vCPU threads are named "CPU N/TCG"
/// (or "/KVM") and every other thread is an emulator/IO thread. What the kernel says (Cpus_allowed_list) is checked.
/// </summary>
[Collection(RealQemuGroup.Name)]
public sealed class DedicatedCpusWithQemuTests(QemuHost host) : IDisposable
{
    private const string Node = "qemu-node";
    private const long VmPages = 32; // 64Mi of 2Mi pages each
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private readonly string stateDir = Path.Combine("/tmp", "nac-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string imageRoot = Directory.CreateTempSubdirectory("numaop-agent-images-").FullName;
    private readonly List<Guid> uids = [];

    private AgentOptions Options() => AgentTestVms.QemuAgentOptions(Node, stateDir, imageRoot);

    /// <summary>Thread id → (name, Cpus_allowed_list) of every thread of <paramref name="pid"/>.</summary>
    private static Dictionary<int, (string Name, CpuSet Allowed)> Threads(int pid) =>
        ProcFs.ThreadIds(pid).ToDictionary(tid => tid, tid => (File.ReadAllText($"/proc/{pid}/task/{tid}/comm").Trim(), ProcFs.AllowedCpus(pid, tid)));

    private static bool IsVcpu((string Name, CpuSet Allowed) thread) => thread.Name.StartsWith("CPU ", StringComparison.Ordinal);

    private static string Describe(int pid) => $"pid {pid}: " + string.Join("; ", Threads(pid).Select(t => $"{t.Key} {t.Value.Name} {t.Value.Allowed}"));

    [SkippableFact]
    public async Task No_thread_of_a_floating_vm_and_no_emulator_thread_runs_on_a_dedicated_cpu_until_its_vm_is_deleted()
    {
        Skip.IfNot(host.Available, QemuHost.SkipReason);
        var online = ProcFs.AllowedCpus(1, 1);
        Skip.If(online.Count < 2, $"needs at least 2 CPUs (PID 1 may run on {online})");
        using var pages = host.Reserve((2 * VmPages) + 8);
        await using var fixture = await AgentFixture.StartAsync();
        await fixture.AddNodeAsync(Node);
        var (agent, _) = fixture.StartAgent(Options());
        fixture.StartController();
        await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        var floating = await fixture.CreateVmAsync(AgentTestVms.Vm("floating"), uids);
        await fixture.WaitForAsync(() => fixture.VmAsync("floating"), AgentTestVms.IsReady, "floating Ready", seconds: 60);
        var floatingPid = Assert.Single(QemuHost.QemuPids(Guid.Parse(floating.Metadata.Uid)));

        var spec = AgentTestVms.Vm("dedicated");
        spec.Spec.Cpu = new CpuSpec { Cores = 1, Dedicated = true };
        var created = await fixture.CreateVmAsync(spec, uids);
        var dedicatedVm = await fixture.WaitForAsync(() => fixture.VmAsync("dedicated"), AgentTestVms.IsReady, "dedicated Ready", seconds: 60);
        var dedicatedPid = Assert.Single(QemuHost.QemuPids(Guid.Parse(created.Metadata.Uid)));
        var cpu = Assert.Single(CpuSet.Parse(dedicatedVm!.Status!.Placement!.GuestNodes.Single().HostCpus));

        // The re-mask of the floating VM happens before the dedicated QEMU starts; read the kernel's word now.
        var floatingThreads = Threads(floatingPid);
        Assert.All(floatingThreads, t => Assert.False(t.Value.Allowed.Contains(cpu), $"floating VM thread {t.Key} ({t.Value.Name}) may run on dedicated CPU {cpu}: {Describe(floatingPid)}"));
        Assert.Contains(floatingThreads.Values, IsVcpu);
        var dedicatedThreads = Threads(dedicatedPid);
        var vcpu = Assert.Single(dedicatedThreads, t => IsVcpu(t.Value));
        Assert.Equal(CpuSet.Of(cpu), vcpu.Value.Allowed);
        Assert.All(dedicatedThreads.Where(t => !IsVcpu(t.Value)), t => Assert.False(t.Value.Allowed.Contains(cpu), $"emulator thread {t.Key} ({t.Value.Name}) of the dedicated VM may run on its vCPU's CPU {cpu}: {Describe(dedicatedPid)}"));
        Assert.True(dedicatedThreads.Count > 1, Describe(dedicatedPid));
        // The agent (in this process) and whatever it starts from now on stay off the dedicated CPU too.
        Assert.All(ProcFs.ThreadIds(Environment.ProcessId), tid => Assert.False(SafeAllowed(Environment.ProcessId, tid).Contains(cpu), $"agent thread {tid} may run on dedicated CPU {cpu}"));

        await fixture.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "dedicated");
        await fixture.WaitForAsync(() => fixture.VmAsync("dedicated"), v => v is null, "dedicated gone");
        await Eventually.HoldsAsync(() => Threads(floatingPid).Values.All(t => t.Allowed.Contains(cpu)), Within, $"every thread of the floating VM may use CPU {cpu} again");
        await Eventually.HoldsAsync(() => SafeAllowed(Environment.ProcessId, Environment.ProcessId).Contains(cpu), Within, $"the agent may use CPU {cpu} again");

        await fixture.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "floating");
        await fixture.WaitForAsync(() => fixture.VmAsync("floating"), v => v is null, "floating gone");
    }

    /// <summary>A thread of this process may end between listing and reading: it then counts as allowed nowhere.</summary>
    private static CpuSet SafeAllowed(int pid, int tid)
    {
        try
        {
            return ProcFs.AllowedCpus(pid, tid);
        }
        catch (IOException)
        {
            return CpuSet.Empty;
        }
    }

    public void Dispose() => QemuHost.CleanUp(uids, stateDir, imageRoot);
}
