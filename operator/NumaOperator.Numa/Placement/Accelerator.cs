namespace NumaOperator.Numa.Placement;

/// <summary>How QEMU runs a VM's vCPUs on a host: hardware virtualization or software emulation.</summary>
public enum Accelerator
{
    /// <summary>KVM (/dev/kvm): vCPUs run on the host CPU.</summary>
    Kvm,

    /// <summary>QEMU's TCG: every guest instruction is translated in software; correct but many times slower.</summary>
    Emulation,
}

/// <summary>What a VM accepts (spec.accelerator).</summary>
public enum AcceleratorRequirement
{
    /// <summary>Only KVM (the API default: software emulation is an explicit opt-in, as in KubeVirt).</summary>
    Kvm,

    /// <summary>Only software emulation.</summary>
    Emulation,

    /// <summary>KVM where a node offers it, else emulation; nodes where the VM gets KVM are preferred.</summary>
    Any,
}

/// <summary>The API's names for accelerators and CPU models, shared by the CRD, the scheduler, the agent and the CLI.</summary>
public static class AcceleratorNames
{
    public const string Kvm = "KVM";
    public const string Emulation = "Emulation";
    public const string Any = "Any";

    /// <summary>spec.cpu.model: the host CPU exactly as KVM gives it (QEMU -cpu host); needs KVM.</summary>
    public const string HostPassthrough = "host-passthrough";

    /// <summary>spec.cpu.model (default): as much of the host CPU as the accelerator offers (QEMU -cpu max).</summary>
    public const string HostModel = "host-model";

    public static string Of(Accelerator accelerator) => accelerator == Accelerator.Kvm ? Kvm : Emulation;

    public static string Of(AcceleratorRequirement requirement) => requirement switch
    {
        AcceleratorRequirement.Kvm => Kvm,
        AcceleratorRequirement.Emulation => Emulation,
        _ => Any,
    };

    public static Accelerator? ParseAccelerator(string? text) => text switch
    {
        Kvm => Accelerator.Kvm,
        Emulation => Accelerator.Emulation,
        _ => null,
    };

    public static AcceleratorRequirement? ParseRequirement(string? text) => text switch
    {
        Kvm => AcceleratorRequirement.Kvm,
        Emulation => AcceleratorRequirement.Emulation,
        Any => AcceleratorRequirement.Any,
        _ => null,
    };
}

/// <summary>
/// What one node's agent found an accelerator can do there (NumaNodeTopology status.qemu.accelerators): whether a
/// QEMU with it really starts, and which spec.cpu.model names it runs.
/// </summary>
/// <param name="Reason">Why it is not usable (or a note on a fallback in use); null when there is nothing to say.</param>
public sealed record AcceleratorOffer(Accelerator Accelerator, bool Usable, IReadOnlySet<string> CpuModels, string? Reason = null)
{
    public bool Runs(string cpuModel) => Usable && CpuModels.Contains(cpuModel);
}
