using NumaOperator.Api.V1Alpha1;
using NumaOperator.Qemu.Preflight;

namespace NumaOperator.Agent.Launch;

/// <summary>
/// The boundary between the API and Qemu for boot files: spec.boot as Qemu's <see cref="BootFiles"/>, field for field.
/// The agent and <c>numa-operator launch</c> map here; Qemu does not know the API's types.
/// </summary>
public static class SpecBootFiles
{
    /// <summary>spec.boot's files; null (firmware only) when the spec has no boot.</summary>
    public static BootFiles? Of(BootSpec? boot) => boot is null
        ? null
        : new BootFiles
        {
            Kernel = boot.Kernel,
            Initrd = boot.Initrd,
            Cmdline = boot.Cmdline,
            Disk = boot.Disk is { } disk ? new DiskImage { Image = disk.Image, Format = disk.Format } : null,
        };
}
