using NumaOperator.Numa.Placement;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Supervision;

namespace NumaOperator.Agent.Runtime;

/// <summary>A QEMU this agent started or adopted, with what the sampler needs and last measured.</summary>
internal sealed class TrackedVm(string key, RunningVm vm, VmPlacement placement, IReadOnlyList<HugetlbfsMount> mounts, bool adopted)
{
    public string Key { get; } = key;

    public RunningVm Vm { get; } = vm;

    public VmPlacement Placement { get; } = placement;

    public IReadOnlyList<HugetlbfsMount> Mounts { get; } = mounts;

    public bool Adopted { get; } = adopted;

    public DateTime? LastSample { get; set; }

    public double? LocalRatio { get; set; }

    /// <summary>
    /// The resourceVersion at which the VM's status was last seen to say Running with this message (a write made it so
    /// or found nothing to change). The same object again needs no clone and diff: every liveness tick of every VM did
    /// both (three JSON round trips) only to find nothing to write (docs/benchmarks.md, "Agent at density").
    /// </summary>
    public string? RunningConfirmedAt { get; set; }

    public string RunningMessage(string nodeName, string strategy) => Adopted
        ? $"QEMU pid {Vm.Pid} on {nodeName}, adopted from a previous agent"
        : $"QEMU pid {Vm.Pid} on {nodeName}, started ({strategy} launch), vCPUs pinned";
}
