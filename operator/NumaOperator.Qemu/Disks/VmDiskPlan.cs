using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Preflight;

namespace NumaOperator.Qemu.Disks;

/// <summary>spec.disks[i]: an empty data disk of a virtual size.</summary>
public sealed record DataDisk(string Name, long SizeBytes);

/// <summary>What a VM asks of its node's disks besides spec.boot: its namespace (image access), data disks and first-boot seed.</summary>
public sealed record VmDiskRequest(string Namespace, IReadOnlyList<DataDisk> DataDisks, SeedFiles? Seed)
{
    public static VmDiskRequest None(string ns) => new(ns, [], null);
}

/// <summary>The VM's copy-on-write root disk: a qcow2 in its disk dir on top of the read-only base image in the image root.</summary>
/// <param name="BasePath">The base image's real path inside the image root (written into the overlay as its backing file).</param>
/// <param name="BaseSize">The base image's virtual size: the overlay's size.</param>
public sealed record RootOverlay(string BasePath, string BaseFormat, long BaseSize, string OverlayPath);

/// <summary>A data disk file of the plan.</summary>
public sealed record PlannedDataDisk(DataDisk Disk, string Path);

/// <summary>
/// The disk files one launch needs (created or kept by <see cref="VmDiskStore.Materialize"/> just before QEMU starts)
/// and how QEMU sees them: the root overlay replaces the base image as vda; data disks (vdb, ...) then the seed follow.
/// </summary>
public sealed record VmDiskPlan(VmDiskPaths Paths, RootOverlay? Root, IReadOnlyList<PlannedDataDisk> Data, byte[]? Seed)
{
    public ResolvedBoot AttachTo(ResolvedBoot boot)
    {
        ArgumentNullException.ThrowIfNull(boot);
        return Root is null ? boot : boot with { DiskPath = Root.OverlayPath, DiskFormat = "qcow2" };
    }

    public IReadOnlyList<VmDrive> Drives =>
        [.. Data.Select(d => new VmDrive(d.Path, "qcow2", ReadOnly: false)), .. Seed is null ? Array.Empty<VmDrive>() : [new VmDrive(Paths.Seed, "raw", ReadOnly: true)]];

    /// <summary>The plan for a VM from its resolved boot files. Pure: the base image's size is read by the caller.</summary>
    /// <param name="baseSize">The virtual size of <paramref name="boot"/>'s disk (unused when it has none).</param>
    public static VmDiskPlan For(ResolvedBoot boot, VmDiskRequest request, Guid uid, string name, VmDiskPaths paths, long baseSize)
    {
        ArgumentNullException.ThrowIfNull(boot);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(paths);
        var root = boot.DiskPath is null ? null : new RootOverlay(boot.DiskPath, boot.DiskFormat ?? "raw", baseSize, paths.RootOverlay);
        var data = request.DataDisks.Select(d => new PlannedDataDisk(d, paths.DataDisk(d.Name))).ToArray();
        var seed = request.Seed is null ? null : NoCloudSeed.Build(request.Seed, uid, name);
        return new VmDiskPlan(paths, root, data, seed);
    }
}

/// <summary>What to do with a root overlay found (or not) in the disk dir.</summary>
public enum OverlayAction
{
    /// <summary>None yet: create it empty on top of the base.</summary>
    Create,

    /// <summary>It sits on this base already: keep it and everything the guest wrote.</summary>
    Keep,

    /// <summary>spec.boot.disk now names another base (or format): the old writes belong to the old base, so start again.</summary>
    Replace,
}

/// <summary>The overlay decision. Pure: the caller read the existing overlay's header.</summary>
public static class OverlayDecision
{
    /// <param name="existing">The existing overlay's header, or null when there is no overlay file.</param>
    public static OverlayAction Decide(Qcow2Header? existing, RootOverlay wanted)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        if (existing is not { } header)
        {
            return OverlayAction.Create;
        }

        return header.BackingFile == wanted.BasePath && header.BackingFormat == wanted.BaseFormat ? OverlayAction.Keep : OverlayAction.Replace;
    }
}
