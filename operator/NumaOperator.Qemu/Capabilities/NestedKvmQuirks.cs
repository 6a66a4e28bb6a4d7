namespace NumaOperator.Qemu.Capabilities;

/// <summary>A known way KVM breaks under a nested hypervisor, how to recognise it in QEMU's stderr, and the CPU properties that avoid it.</summary>
/// <param name="Signatures">Any of these in QEMU's stderr identifies the quirk.</param>
/// <param name="CpuProperties">Appended to every -cpu value under KVM on a host with the quirk.</param>
public sealed record NestedKvmQuirk(string Name, IReadOnlyList<string> Signatures, string CpuProperties, string Explanation)
{
    public bool Matches(string stderr) => Signatures.Any(s => stderr.Contains(s, StringComparison.Ordinal));
}

/// <summary>
/// The documented fallbacks for nested KVM (docs/architecture.md, "Accelerators"). Seen on an AMD EPYC guest with
/// /dev/kvm from its hypervisor: QEMU 7.2 with -cpu host or max aborts with "error: failed to set MSR 0x10a to 0x69"
/// and "kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs' failed": the outer hypervisor refuses writes to
/// IA32_ARCH_CAPABILITIES (MSR 0x10a). The same CPU without the arch-capabilities feature starts.
/// </summary>
public static class NestedKvmQuirks
{
    public static NestedKvmQuirk ArchCapabilities { get; } = new(
        "arch-capabilities",
        ["failed to set MSR 0x10a", "kvm_buf_set_msrs"],
        "arch-capabilities=off",
        "QEMU could not set MSR 0x10a (IA32_ARCH_CAPABILITIES) under this KVM (a nested hypervisor refuses it); CPUs run with arch-capabilities=off");

    public static IReadOnlyList<NestedKvmQuirk> All { get; } = [ArchCapabilities];

    /// <summary>The quirk whose signature is in <paramref name="stderr"/>, if any.</summary>
    public static NestedKvmQuirk? Recognise(string stderr) => All.FirstOrDefault(q => q.Matches(stderr));
}
