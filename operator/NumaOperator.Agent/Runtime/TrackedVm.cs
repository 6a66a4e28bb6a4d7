using NumaOperator.Numa.Placement;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Measurement;
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

    /// <summary>Where QEMU mapped each memory backend (asked once per process over QMP; QEMU never moves guest RAM).</summary>
    public GuestRamAddresses? RamAddresses { get; set; }

    /// <summary>How its vCPUs run (accelerator and -cpu value), when this agent started it; an adopted QEMU is described by its placement.</summary>
    public QemuCpu? Cpu { get; init; }

    public string RunningMessage(string nodeName, string strategy)
    {
        var how = Cpu?.ToString() ?? (Placement.Accelerator is { } a ? $"{AcceleratorNames.Of(a)}, cpu {Placement.CpuModel}" : $"cpu {Placement.CpuModel}");
        return Adopted
            ? $"QEMU pid {Vm.Pid} on {nodeName} ({how}), adopted from a previous agent"
            : $"QEMU pid {Vm.Pid} on {nodeName} ({how}), started ({strategy} launch), vCPUs pinned";
    }
}
