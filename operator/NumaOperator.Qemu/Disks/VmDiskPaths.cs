using System.Globalization;

namespace NumaOperator.Qemu.Disks;

/// <summary>
/// The disk files of one VM (STATE/disks/UID): its root overlay, its data disks and its cloud-init seed. Separate from
/// the runtime state dir (STATE/vms/UID, cleared whenever its QEMU is gone) because disks live as long as the VM.
/// </summary>
public sealed record VmDiskPaths(string Directory)
{
    public string RootOverlay => Path.Combine(Directory, "root.qcow2");

    public string Seed => Path.Combine(Directory, "cidata.iso");

    /// <summary>spec.disks[].name is a DNS label, so it is a safe file name part.</summary>
    public string DataDisk(string name) => Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"data-{name}.qcow2"));
}
