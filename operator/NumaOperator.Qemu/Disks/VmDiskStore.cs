using NumaOperator.Qemu.Preflight;

namespace NumaOperator.Qemu.Disks;

/// <summary>A disk file that cannot be created or read; nothing was started.</summary>
public sealed class VmDiskException(string message, Exception? inner = null) : Exception(message, inner)
{
    public VmDiskException()
        : this("disk error")
    {
    }

    public VmDiskException(string message)
        : this(message, null)
    {
    }
}

/// <summary>What <see cref="VmDiskStore.Materialize"/> did to each file (for logs and status).</summary>
public sealed record DiskFileOutcome(string Role, string Path, long SizeBytes, string Action);

/// <summary>
/// The per-VM disk files on this node (STATE/disks/UID): created just before QEMU starts, kept across stop/start and
/// agent restarts, removed with the VM. Base images are only ever read here (their header, to size the overlay);
/// QEMU opens them read-only as backing files, so any number of VMs share one.
/// </summary>
public static class VmDiskStore
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The virtual size of a base image: a raw file's length (rounded up to 512), a qcow2's header size.</summary>
    public static long BaseSize(string path, string format)
    {
        try
        {
            if (format != "qcow2")
            {
                return (new FileInfo(path).Length + 511) / 512 * 512;
            }

            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var header = new byte[32];
            file.ReadExactly(header);
            return Qcow2ImageWriter.VirtualSize(header) ?? throw new VmDiskException($"base image {path} has no qcow2 header");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VmDiskException($"base image {path} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Creates what is missing, keeps what is there, replaces a root overlay whose base changed, rewrites a changed seed.</summary>
    /// <exception cref="VmDiskException">A file could not be read or written.</exception>
    public static IReadOnlyList<DiskFileOutcome> Materialize(VmDiskPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var outcomes = new List<DiskFileOutcome>();
        try
        {
            if (OperatingSystem.IsWindows())
            {
                throw new PlatformNotSupportedException("VM disks are created on Linux only");
            }

            Directory.CreateDirectory(plan.Paths.Directory, DirectoryMode);
            if (plan.Root is { } root)
            {
                var action = OverlayDecision.Decide(ReadHeader(root.OverlayPath), root);
                if (action != OverlayAction.Keep)
                {
                    WriteAtomically(root.OverlayPath, Qcow2ImageWriter.Build(root.BaseSize, root.BasePath, root.BaseFormat));
                }

                outcomes.Add(new("root", root.OverlayPath, root.BaseSize, action.ToString()));
            }

            foreach (var data in plan.Data)
            {
                var exists = File.Exists(data.Path);
                if (!exists)
                {
                    WriteAtomically(data.Path, Qcow2ImageWriter.Build(data.Disk.SizeBytes));
                }

                outcomes.Add(new("data:" + data.Disk.Name, data.Path, data.Disk.SizeBytes, exists ? nameof(OverlayAction.Keep) : nameof(OverlayAction.Create)));
            }

            if (plan.Seed is { } seed)
            {
                var same = File.Exists(plan.Paths.Seed) && File.ReadAllBytes(plan.Paths.Seed).AsSpan().SequenceEqual(seed);
                if (!same)
                {
                    WriteAtomically(plan.Paths.Seed, seed);
                }

                outcomes.Add(new("cloud-init", plan.Paths.Seed, seed.Length, same ? nameof(OverlayAction.Keep) : nameof(OverlayAction.Create)));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VmDiskException($"disk dir {plan.Paths.Directory}: {e.Message}", e);
        }

        return outcomes;
    }

    /// <summary>Removes the VM's disk files (the VM is deleted); a missing dir is fine.</summary>
    public static void Remove(VmDiskPaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (Directory.Exists(paths.Directory))
        {
            Directory.Delete(paths.Directory, recursive: true);
        }
    }

    /// <summary>The existing overlay's header; null when there is none. An unreadable one is an error, never silently replaced.</summary>
    private static Qcow2Header? ReadHeader(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        byte[] bytes;
        int read;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            var probe = new byte[Qcow2Header.ProbeBytes];
            read = file.ReadAtLeast(probe, probe.Length, throwOnEndOfStream: false);
            bytes = new byte[Math.Max(read, Qcow2Header.BytesNeeded(probe.AsSpan(0, read)))];
            probe.AsSpan(0, read).CopyTo(bytes);
            read += file.ReadAtLeast(bytes.AsMemory(read).Span, bytes.Length - read, throwOnEndOfStream: false);
        }

        return Qcow2Header.TryParse(bytes.AsSpan(0, read), out var header, out var error)
            ? header
            : throw new VmDiskException($"the VM's root overlay {path} is not a readable qcow2 ({error}); it is kept as is: move it away to start from the base image again");
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("VM disks are created on Linux only");
        }

        var temporary = path + ".new";
        using (var file = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
