using System.CommandLine;
using NumaOperator.Qemu.Capabilities;

namespace NumaOperator.Cli.Commands;

/// <summary>The accelerator flags shared by agent, standalone and launch: one spelling, one meaning.</summary>
public static class AcceleratorOptions
{
    public const string NoKernel = "none";

    public static Option<bool> ForceTcg() => new("--force-tcg")
    {
        Description = $"Publish KVM as not usable and run VMs under software emulation (QEMU TCG) even where /dev/kvm works: exercises the emulation path on a KVM host (default: true when ${QemuProbeOptions.ForceTcgVariable}=1)",
        DefaultValueFactory = _ => QemuProbeOptions.ForcedByEnvironment,
    };

    public static Option<string?> BootProbeKernel() => new("--boot-probe-kernel")
    {
        Description = $"Kernel the QEMU capability probe boots under KVM to prove KVM runs Linux (a path where QEMU runs); default: the newest /boot/vmlinuz-*; '{NoKernel}' skips the boot probe",
    };

    /// <summary>null: pick the newest /boot/vmlinuz-*; "" (from "none"): no boot probe; else the path.</summary>
    public static string? ParseBootProbeKernel(string? value) => value switch
    {
        null => null,
        NoKernel => string.Empty,
        _ when Path.IsPathRooted(value) => value,
        _ => throw new BadInputException($"--boot-probe-kernel: \"{value}\" is not an absolute kernel path or '{NoKernel}'"),
    };
}
