using NumaOperator.Numa.Placement;

namespace NumaOperator.Qemu.Capabilities;

/// <summary>
/// What one accelerator really does with this host's QEMU, as probed: whether a QEMU with it starts, and for each
/// spec.cpu.model name it runs, the exact -cpu value that starts (a nested-KVM fallback appends its properties).
/// </summary>
/// <param name="CpuOptions">spec.cpu.model → QEMU -cpu value ("host-passthrough" → "host,arch-capabilities=off").</param>
/// <param name="Reason">Why it is not usable, or which fallback is in use; null when there is nothing to say.</param>
public sealed record AcceleratorCapability(Accelerator Accelerator, bool Usable, string? Reason, IReadOnlyDictionary<string, string> CpuOptions)
{
    public static AcceleratorCapability Unusable(Accelerator accelerator, string reason) =>
        new(accelerator, false, reason, new Dictionary<string, string>(StringComparer.Ordinal));

    /// <summary>QEMU's -accel name.</summary>
    public string QemuName => QemuAccelerators.QemuName(Accelerator);

    /// <summary>The -cpu value for a model this accelerator runs; null when it does not run it.</summary>
    public string? CpuOption(string cpuModel) => Usable && CpuOptions.TryGetValue(cpuModel, out var value) ? value : null;
}

/// <summary>The QEMU binary a node runs VMs with, probed through the launch strategy's own path: its version and accelerators.</summary>
public sealed record QemuCapabilities(string QemuPath, Version Version, IReadOnlyList<AcceleratorCapability> Accelerators)
{
    public AcceleratorCapability? For(Accelerator accelerator) => Accelerators.FirstOrDefault(a => a.Accelerator == accelerator);

    public bool KvmUsable => For(Accelerator.Kvm)?.Usable == true;

    /// <summary>What the scheduler sees of these facts (the same as NumaNodeTopology status.qemu.accelerators).</summary>
    public IReadOnlyList<AcceleratorOffer> Offers() =>
        [.. Accelerators.Select(a => new AcceleratorOffer(a.Accelerator, a.Usable, new HashSet<string>(a.Usable ? a.CpuOptions.Keys : [], StringComparer.Ordinal), a.Reason))];

    /// <summary>
    /// How QEMU runs a placed VM here: the placement's accelerator and CPU model (for a placement recorded before
    /// accelerators were scheduled, the best accelerator that runs the model). Null with <paramref name="problem"/>
    /// when this host cannot run it the way it was placed (its KVM went away, the model stopped starting).
    /// </summary>
    public QemuCpu? Resolve(VmPlacement placement, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(placement);
        problem = null;
        Accelerator[] candidates = placement.Accelerator is { } placed ? [placed] : [Accelerator.Kvm, Accelerator.Emulation];
        foreach (var accelerator in candidates)
        {
            if (For(accelerator)?.CpuOption(placement.CpuModel) is { } option)
            {
                return new QemuCpu(accelerator, placement.CpuModel, option);
            }
        }

        var wanted = placement.Accelerator is { } a ? AcceleratorNames.Of(a) : "any accelerator";
        var why = string.Join("; ", candidates.Select(c => For(c) is { } cap
            ? cap.Usable ? $"{AcceleratorNames.Of(c)} does not run cpu model {placement.CpuModel}" : $"{AcceleratorNames.Of(c)} not usable: {cap.Reason}"
            : $"{AcceleratorNames.Of(c)} not probed"));
        problem = $"placed to run under {wanted} with cpu model {placement.CpuModel}, which this node cannot do now ({why})";
        return null;
    }
}

/// <summary>How one VM's vCPUs run: the accelerator, the API's model name and the -cpu value QEMU gets.</summary>
public sealed record QemuCpu(Accelerator Accelerator, string Model, string QemuValue)
{
    public string QemuAccelerator => QemuAccelerators.QemuName(Accelerator);

    /// <summary>"KVM, cpu host-passthrough (-cpu host,arch-capabilities=off)" for messages.</summary>
    public override string ToString() => $"{AcceleratorNames.Of(Accelerator)}, cpu {Model} (-cpu {QemuValue})";
}

/// <summary>The API's accelerators and CPU model names in QEMU's words.</summary>
public static class QemuAccelerators
{
    public static string QemuName(Accelerator accelerator) => accelerator == Accelerator.Kvm ? "kvm" : "tcg";

    /// <summary>host-passthrough → host, host-model → max, anything else is QEMU's own model name.</summary>
    public static string QemuModel(string cpuModel) => cpuModel switch
    {
        AcceleratorNames.HostPassthrough => "host",
        AcceleratorNames.HostModel => "max",
        _ => cpuModel,
    };
}
