using NumaOperator.Numa.Discovery;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Preflight;
using NumaOperator.Qemu.Supervision;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Qemu.Tests.RealQemu;

/// <summary>
/// A small test VM (1 vCPU dedicated to the host's highest CPU, 64 MiB; firmware only unless given boot files) whose
/// QEMU drops to <see cref="QemuUser.Default"/> like the agent's, unless <c>keepRoot</c>; and its cleanup: whatever
/// QEMU it started is killed in Dispose.
/// </summary>
public sealed class QemuTestVm : IAsyncDisposable
{
    private readonly List<int> _pids = [];

    /// <param name="guestNodes">Guest nodes as given (the API's rule of one host node per guest node does not apply here); default one on node 0.</param>
    /// <param name="distances">The guest's SLIT (-numa dist); none by default.</param>
    public QemuTestVm(PageSize pageSize, string? hugetlbfsMount, ResolvedBoot? boot = null, bool keepRoot = false, long memoryBytes = 64L << 20, IReadOnlyList<GuestNodePlacement>? guestNodes = null, IReadOnlyList<GuestNumaDistance>? distances = null)
    {
        Topology = new SysfsTopologyReader("/").ReadTopology();
        var node0 = Topology.Node(0)!;
        var vcpuHost = node0.Cpus[node0.Cpus.Count - 1];
        StateRoot = Directory.CreateTempSubdirectory("numaop-vm-").FullName;
        Spec = new VmLaunchSpec(
            "test-vm",
            Guid.NewGuid(),
            new VmPlacement("local", pageSize, guestNodes ?? [new GuestNodePlacement(0, 0, CpuSet.Of(0), CpuSet.Of(vcpuHost), memoryBytes)]),
            TestQemu.Cpu(),
            boot ?? ResolvedBoot.FirmwareOnly,
            new VmStatePaths(Path.Combine(StateRoot, "vm")),
            RunAs: keepRoot ? null : QemuUser.Default)
        {
            Distances = distances ?? [],
        };
        Mounts = hugetlbfsMount is null ? [] : [new HugetlbfsMount(hugetlbfsMount, 2L << 20)];
    }

    public HostTopology Topology { get; }

    public string StateRoot { get; }

    public VmLaunchSpec Spec { get; }

    public IReadOnlyList<HugetlbfsMount> Mounts { get; }

    public VmSupervisor Supervisor { get; } = new() { PowerdownGrace = TimeSpan.FromSeconds(1), DaemonizeTimeout = TimeSpan.FromSeconds(60) };

    public PreflightHost PreflightHost => TestQemu.PreflightHost(Mounts);

    public async Task<RunningVm> StartAsync()
    {
        var facts = LaunchPreflight.Check(Spec.Placement, Spec.State, PreflightHost);
        var argv = QemuArgvBuilder.Build(QemuBinary.DefaultPath, Spec, facts);
        var vm = await Supervisor.StartAsync(argv, Spec, Topology, CancellationToken.None);
        _pids.Add(vm.Pid);
        return vm;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pid in _pids)
        {
            await VmSupervisor.KillAsync(pid);
        }

        Directory.Delete(StateRoot, recursive: true);
    }
}
