using NumaOperator.Numa.Placement;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Qemu.Measurement;

namespace NumaOperator.Agent.Runtime;

/// <summary>A QEMU this agent started or adopted, with what the sampler needs and last measured.</summary>
internal sealed class TrackedVm(string key, IVmProcess process, VmPlacement placement, bool adopted) : ISampledVm
{
    public string Key { get; } = key;

    public IVmProcess Process { get; } = process;

    public VmPlacement Placement { get; } = placement;

    public bool Adopted { get; } = adopted;

    /// <summary>When this agent started or adopted the QEMU (the numastat age counts from here until a sample succeeds).</summary>
    public DateTime TrackedSince { get; init; }

    public DateTime? LastSample { get; set; }

    public double? LocalRatio { get; set; }

    /// <summary>The verdict of the last successful sample.</summary>
    public NumaVerdict? Verdict { get; set; }

    /// <summary>How its vCPUs run (accelerator and -cpu value), when this agent started it; an adopted QEMU is described by its placement.</summary>
    public QemuCpu? Cpu => Process.Cpu;

    /// <summary>
    /// The resourceVersion at which the VM's status was last seen to say Running with this message (a write made it so
    /// or found nothing to change). The same object again needs no clone and diff: every liveness tick of every VM did
    /// both (three JSON round trips) only to find nothing to write (docs/benchmarks.md, "Agent at density").
    /// </summary>
    public string? RunningConfirmedAt { get; set; }

    public string RunningMessage(string nodeName, string strategy)
    {
        var how = Cpu?.ToString() ?? (Placement.Accelerator is { } a ? $"{AcceleratorNames.Of(a)}, cpu {Placement.CpuModel}" : $"cpu {Placement.CpuModel}");
        return Adopted
            ? $"QEMU pid {Process.Pid} on {nodeName} ({how}), adopted from a previous agent"
            : $"QEMU pid {Process.Pid} on {nodeName} ({how}), started ({strategy} launch), vCPUs pinned";
    }
}
