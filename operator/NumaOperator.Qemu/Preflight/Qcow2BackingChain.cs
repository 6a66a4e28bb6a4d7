using System.Buffers;
using Microsoft.Win32.SafeHandles;
using NumaOperator.Qemu.Host;

namespace NumaOperator.Qemu.Preflight;

/// <summary>
/// Walks a qcow2 disk's backing chain the way QEMU 7.2 will open it and refuses any file QEMU would open outside the
/// image root: a qcow2 header names its own backing file and external data file, and QEMU opens them wherever they
/// point, so a qcow2 placed in the image root could otherwise hand the guest /etc/shadow.
/// </summary>
/// <remarks>
/// Rules, each a <see cref="BootFileException"/> for the disk's spec field:
/// <list type="bullet">
/// <item>every image declared qcow2 must start with the qcow2 magic and parse (<see cref="Qcow2Header"/>);</item>
/// <item>a backing file name must not use a protocol prefix ("nbd:", "http:", "json:{...}": QEMU treats a name whose
/// first ':' comes before any '/' as one); a relative name resolves against the directory of the name QEMU opened
/// the image by (path_combine), an absolute one as is; either must land, symlinks and ".." followed as the kernel
/// does, on a regular file inside the image root;</item>
/// <item>a backing file must have its format in the header (extension 0xe2792aca), and it must be qcow2 or raw. With
/// no format QEMU 7.2 probes the backing file: a file whose bytes say qcow2 (or vmdk, whose descriptor names further
/// files) is then opened as that and followed to whatever it names. Checking the probe's answer here would not hold:
/// the bytes can change after the check (a raw backing file may also be another VM's raw disk, written by its guest),
/// while a declared raw is opened raw whatever the bytes. `qemu-img rebase -u -b NAME -F raw|qcow2 IMAGE` adds it;
/// qemu-img 7.2 no longer creates images without it;</item>
/// <item>an external data file must be named by an absolute path inside the image root: QEMU 7.2 opens a relative
/// data file name against its own working directory, not the image's, so where it lands depends on how QEMU was
/// started;</item>
/// <item>at most <see cref="MaxBackingDepth"/> backing files, and none twice (a loop).</item>
/// </list>
/// A raw backing file ends the chain: QEMU reads it as plain bytes and opens nothing it names.
/// </remarks>
public static class Qcow2BackingChain
{
    /// <summary>The most backing files below the disk image.</summary>
    public const int MaxBackingDepth = 16;

    /// <summary>Checks the chain from <paramref name="topPath"/>, the real path QEMU is given for the disk.</summary>
    /// <param name="field">The spec field for messages (spec.boot.disk.image).</param>
    /// <param name="image">The spec's value for messages.</param>
    /// <param name="formatSource">Why the top is read as qcow2, for the message when it is not qcow2.</param>
    /// <param name="topPath">The disk's real path inside the root.</param>
    /// <param name="root">The image root every opened file must resolve inside.</param>
    /// <exception cref="BootFileException">The first rule the chain breaks.</exception>
    public static void Check(string field, string image, string formatSource, string topPath, ImageRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var rule = $"must resolve inside the image root {root.Path}";
        var seen = new HashSet<string>(StringComparer.Ordinal) { topPath };

        // QEMU's name for the current image (what a relative backing name is combined with), and its real path.
        var opened = topPath;
        var real = topPath;
        for (var depth = 0; ; depth++)
        {
            var what = depth == 0 ? topPath : $"backing file {opened}";
            var header = ReadHeader(real, out var error);
            if (error is not null)
            {
                var declared = depth == 0 ? formatSource : "its parent's backing format extension says qcow2";
                throw new BootFileException(field, image, $"{what} {error} ({declared})");
            }

            if (header.HasExternalDataFile || header.DataFile is not null)
            {
                CheckDataFile(field, image, what, header, root, rule);
            }

            if (header.BackingFile is not { } name)
            {
                return;
            }

            var refusal = $"{what} names backing file \"{name}\"";
            if (HasProtocol(name))
            {
                throw new BootFileException(field, image, $"{refusal}, a protocol (\"{name[..(name.IndexOf(':', StringComparison.Ordinal) + 1)]}\") QEMU would open instead of a file: backing files {rule}");
            }

            if (header.BackingFormat is not { } format)
            {
                throw new BootFileException(field, image, $"{refusal} without a backing format; QEMU would probe its format and follow whatever it names: add it with qemu-img rebase -u -b \"{name}\" -F raw (or qcow2) {opened}");
            }

            if (format is not ("qcow2" or "raw"))
            {
                throw new BootFileException(field, image, $"{refusal} of format \"{format}\": backing files must be qcow2 or raw");
            }

            var next = name.StartsWith('/') ? name : string.Concat(opened.AsSpan(0, opened.LastIndexOf('/') + 1), name);
            if (!root.TryResolveOpened(next, out var nextReal, out var problem))
            {
                throw new BootFileException(field, image, $"{refusal}, which {problem}: backing files {rule}");
            }

            if (!seen.Add(nextReal))
            {
                throw new BootFileException(field, image, $"{refusal}, which is {nextReal} again: the backing chain loops");
            }

            if (depth + 1 > MaxBackingDepth)
            {
                throw new BootFileException(field, image, $"has a backing chain deeper than {MaxBackingDepth} files ({what} names yet another)");
            }

            if (format == "raw")
            {
                return;
            }

            opened = next;
            real = nextReal;
        }
    }

    /// <summary>QEMU's path_has_protocol: a ':' before any '/'.</summary>
    public static bool HasProtocol(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var stop = name.AsSpan().IndexOfAny(':', '/');
        return stop >= 0 && name[stop] == ':';
    }

    private static void CheckDataFile(string field, string image, string what, Qcow2Header header, ImageRoot root, string rule)
    {
        if (header.DataFile is not { } name)
        {
            throw new BootFileException(field, image, $"{what} declares an external data file (incompatible feature bit 2) but names none; QEMU would need one given on its command line");
        }

        var refusal = $"{what} names external data file \"{name}\"";
        if (HasProtocol(name))
        {
            throw new BootFileException(field, image, $"{refusal}, a protocol QEMU would open instead of a file: data files {rule}");
        }

        if (!name.StartsWith('/'))
        {
            throw new BootFileException(field, image, $"{refusal}, a relative name QEMU 7.2 opens against its own working directory, not the image's: name it by an absolute path that resolves inside the image root {root.Path} (qemu-img amend -o data_file=/absolute/path)");
        }

        if (!root.TryResolveOpened(name, out _, out var problem))
        {
            throw new BootFileException(field, image, $"{refusal}, which {problem}: data files {rule}");
        }
    }

    /// <summary>The header from the file's first cluster (read into a pooled buffer); an error text for anything unreadable.</summary>
    private static Qcow2Header ReadHeader(string path, out string? error)
    {
        byte[]? buffer = null;
        try
        {
            // A FIFO or device node reports size 0 (and opening a FIFO would block): never open those.
            if (new FileInfo(path).Length == 0)
            {
                error = "is empty (or not a regular file), so it is not a qcow2 image";
                return default;
            }

            buffer = ArrayPool<byte>.Shared.Rent(Qcow2Header.ProbeBytes);
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var length = RandomAccess.GetLength(handle);
            var read = ReadAt(handle, buffer.AsSpan(0, (int)Math.Min(length, Qcow2Header.ProbeBytes)));
            var needed = (int)Math.Min(length, Qcow2Header.BytesNeeded(buffer.AsSpan(0, read)));
            if (needed > read)
            {
                var small = buffer;
                buffer = null;
                ArrayPool<byte>.Shared.Return(small);
                buffer = ArrayPool<byte>.Shared.Rent(needed);
                read = ReadAt(handle, buffer.AsSpan(0, needed));
            }

            return Qcow2Header.TryParse(buffer.AsSpan(0, read), out var header, out error) ? header : default;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot be read: {e.Message}";
            return default;
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static int ReadAt(SafeFileHandle handle, Span<byte> into)
    {
        var total = 0;
        while (total < into.Length)
        {
            var n = RandomAccess.Read(handle, into[total..], total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
