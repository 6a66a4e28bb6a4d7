namespace NumaOperator.Qemu.Preflight;

/// <summary>
/// What a VM boots, as its spec names it: files relative to the image root, not resolved yet
/// (<see cref="LaunchPreflight.ResolveBoot"/> resolves them inside the root). Qemu's own type, so this assembly does not
/// depend on the API's: the agent and the CLI map spec.boot to it at their boundary. Messages about these files still
/// name the spec's fields (spec.boot.kernel, ...), since that is what the user wrote.
/// </summary>
public sealed record BootFiles
{
    /// <summary>spec.boot.kernel: the kernel for -kernel.</summary>
    public string? Kernel { get; init; }

    /// <summary>spec.boot.initrd: the initial ramdisk for -initrd.</summary>
    public string? Initrd { get; init; }

    /// <summary>spec.boot.cmdline: the kernel command line for -append.</summary>
    public string? Cmdline { get; init; }

    /// <summary>spec.boot.disk: the root disk, a virtio block device.</summary>
    public DiskImage? Disk { get; init; }
}

/// <summary>spec.boot.disk: an image file under the image root and its format (null: from the name, <see cref="LaunchPreflight.DiskFormat"/>).</summary>
public sealed record DiskImage
{
    public required string Image { get; init; }

    /// <summary>qcow2 or raw; null when the spec omits it.</summary>
    public string? Format { get; init; }
}
