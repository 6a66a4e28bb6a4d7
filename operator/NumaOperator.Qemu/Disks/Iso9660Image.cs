using System.Buffers.Binary;
using System.Text;

namespace NumaOperator.Qemu.Disks;

/// <summary>
/// A small ISO 9660 image with a Joliet supplementary volume (ECMA-119 + Joliet UCS-2 level 3), one root directory of
/// regular files: the shape of <c>genisoimage -volid cidata -joliet</c>. Joliet keeps lower-case names with '-'
/// ("user-data"), which Linux (isofs), blkid and cloud-init read; the primary volume carries 8.3 names for readers
/// without Joliet. Deterministic (fixed timestamps): the same files give the same bytes, so the agent can tell a
/// changed seed from an unchanged one by comparing bytes. Pure.
/// </summary>
public static class Iso9660Image
{
    public const int SectorBytes = 2048;

    private const int PrimaryDescriptor = 16;
    private const int JolietDescriptor = 17;
    private const int Terminator = 18;
    private const int PrimaryPathTableL = 19;
    private const int PrimaryPathTableM = 20;
    private const int JolietPathTableL = 21;
    private const int JolietPathTableM = 22;
    private const int PrimaryRoot = 23;
    private const int JolietRoot = 24;
    private const int FirstFile = 25;
    private const int PathTableBytes = 10;
    private const int MaxVolumeIdChars = 16;

    /// <summary>
    /// Zero sectors after the last file, as genisoimage's default -pad adds: readers probe past the descriptors
    /// (busybox findfs reads 68 KiB and finds nothing on a shorter device; Linux CD read-ahead).
    /// </summary>
    private const int PaddingSectors = 150;

    /// <summary>The image of <paramref name="files"/> (name → content) under the volume label <paramref name="volumeId"/>.</summary>
    /// <param name="volumeId">At most 16 characters of [a-z0-9_-] (Joliet holds 16 UCS-2 characters).</param>
    /// <param name="files">Root directory entries: names of [a-z0-9._-], at most 64 characters, unique.</param>
    public static byte[] Build(string volumeId, IReadOnlyList<(string Name, byte[] Content)> files)
    {
        ArgumentException.ThrowIfNullOrEmpty(volumeId);
        ArgumentNullException.ThrowIfNull(files);
        if (volumeId.Length > MaxVolumeIdChars || !volumeId.All(IsNameChar))
        {
            throw new ArgumentException($"volume id \"{volumeId}\" must be 1-16 characters of [a-z0-9_-]", nameof(volumeId));
        }

        var sorted = files.OrderBy(f => f.Name, StringComparer.Ordinal).ToArray();
        if (sorted.Any(f => f.Name.Length is 0 or > 64 || !f.Name.All(c => IsNameChar(c) || c == '.')) || sorted.Select(f => f.Name).Distinct().Count() != sorted.Length)
        {
            throw new ArgumentException("file names must be unique, 1-64 characters of [a-z0-9._-]", nameof(files));
        }

        var extents = new int[sorted.Length];
        var next = FirstFile;
        for (var i = 0; i < sorted.Length; i++)
        {
            extents[i] = next;
            next += Math.Max(1, (sorted[i].Content.Length + SectorBytes - 1) / SectorBytes);
        }

        next += PaddingSectors;
        var image = new byte[(long)next * SectorBytes];
        var primaryNames = PrimaryNames(sorted.Select(f => f.Name).ToArray());
        WriteDescriptor(Sector(image, PrimaryDescriptor), joliet: false, volumeId, next);
        WriteDescriptor(Sector(image, JolietDescriptor), joliet: true, volumeId, next);
        var end = Sector(image, Terminator);
        end[0] = 255;
        Encoding.ASCII.GetBytes("CD001").CopyTo(end[1..]);
        end[6] = 1;
        WritePathTable(Sector(image, PrimaryPathTableL), PrimaryRoot, bigEndian: false);
        WritePathTable(Sector(image, PrimaryPathTableM), PrimaryRoot, bigEndian: true);
        WritePathTable(Sector(image, JolietPathTableL), JolietRoot, bigEndian: false);
        WritePathTable(Sector(image, JolietPathTableM), JolietRoot, bigEndian: true);
        WriteRoot(Sector(image, PrimaryRoot), PrimaryRoot, sorted, extents, i => Encoding.ASCII.GetBytes(primaryNames[i] + ";1"));
        WriteRoot(Sector(image, JolietRoot), JolietRoot, sorted, extents, i => Encoding.BigEndianUnicode.GetBytes(sorted[i].Name + ";1"));
        for (var i = 0; i < sorted.Length; i++)
        {
            sorted[i].Content.CopyTo(image.AsSpan(extents[i] * SectorBytes));
        }

        return image;
    }

    private static bool IsNameChar(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-';

    private static Span<byte> Sector(byte[] image, int sector) => image.AsSpan(sector * SectorBytes, SectorBytes);

    /// <summary>Level-1 names (8.3, upper case, '_' for anything else), made unique with a numeric tail, in the same order.</summary>
    private static string[] PrimaryNames(string[] names)
    {
        var result = new string[names.Length];
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            var dot = names[i].LastIndexOf('.');
            var stem = Clean(dot > 0 ? names[i][..dot] : names[i], 8);
            var ext = dot > 0 ? Clean(names[i][(dot + 1)..], 3) : string.Empty;
            var candidate = stem + "." + ext;
            for (var n = 1; !used.Add(candidate); n++)
            {
                var tail = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
                candidate = stem[..Math.Min(stem.Length, 8 - tail.Length - 1)] + "~" + tail + "." + ext;
            }

            result[i] = candidate;
        }

        return result;
    }

    private static string Clean(string part, int max) =>
        new([.. part.ToUpperInvariant().Select(c => c is (>= 'A' and <= 'Z') or (>= '0' and <= '9') ? c : '_').Take(max)]);

    private static void WriteDescriptor(Span<byte> d, bool joliet, string volumeId, int sectors)
    {
        d[0] = joliet ? (byte)2 : (byte)1;
        Encoding.ASCII.GetBytes("CD001").CopyTo(d[1..]);
        d[6] = 1;
        FillText(d.Slice(8, 32), string.Empty, joliet);
        FillText(d.Slice(40, 32), volumeId, joliet);
        BothEndian32(d[80..], sectors);
        if (joliet)
        {
            "%/E"u8.CopyTo(d[88..]); // UCS-2 level 3
        }

        BothEndian16(d[120..], 1);
        BothEndian16(d[124..], 1);
        BothEndian16(d[128..], SectorBytes);
        BothEndian32(d[132..], PathTableBytes);
        BinaryPrimitives.WriteInt32LittleEndian(d[140..], joliet ? JolietPathTableL : PrimaryPathTableL);
        BinaryPrimitives.WriteInt32BigEndian(d[148..], joliet ? JolietPathTableM : PrimaryPathTableM);
        DirectoryRecord(d.Slice(156, 34), joliet ? JolietRoot : PrimaryRoot, SectorBytes, directory: true, [0]);
        foreach (var (offset, length) in new[] { (190, 128), (318, 128), (446, 128), (574, 128), (702, 37), (739, 37), (776, 37) })
        {
            FillText(d.Slice(offset, length), string.Empty, joliet);
        }

        foreach (var offset in new[] { 813, 830, 847, 864 })
        {
            "0000000000000000"u8.CopyTo(d[offset..]);
        }

        "2000010100000000"u8.CopyTo(d[813..]);
        "2000010100000000"u8.CopyTo(d[830..]);
        d[881] = 1;
    }

    /// <summary>A fixed-width identifier: space-padded ASCII, or space-padded UCS-2 big-endian for Joliet.</summary>
    private static void FillText(Span<byte> field, string text, bool joliet)
    {
        if (!joliet)
        {
            field.Fill((byte)' ');
            Encoding.ASCII.GetBytes(text).CopyTo(field);
            return;
        }

        field.Clear();
        for (var i = 0; i + 1 < field.Length; i += 2)
        {
            var c = i / 2 < text.Length ? text[i / 2] : ' ';
            BinaryPrimitives.WriteUInt16BigEndian(field[i..], c);
        }
    }

    private static void WritePathTable(Span<byte> table, int rootSector, bool bigEndian)
    {
        table[0] = 1; // length of the root's identifier
        if (bigEndian)
        {
            BinaryPrimitives.WriteInt32BigEndian(table[2..], rootSector);
            BinaryPrimitives.WriteUInt16BigEndian(table[6..], 1);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(table[2..], rootSector);
            BinaryPrimitives.WriteUInt16LittleEndian(table[6..], 1);
        }
    }

    private static void WriteRoot(Span<byte> sector, int rootSector, (string Name, byte[] Content)[] files, int[] extents, Func<int, byte[]> name)
    {
        var offset = DirectoryRecord(sector, rootSector, SectorBytes, directory: true, [0]);
        offset += DirectoryRecord(sector[offset..], rootSector, SectorBytes, directory: true, [1]);
        for (var i = 0; i < files.Length; i++)
        {
            var id = name(i);
            if (offset + 34 + id.Length > SectorBytes)
            {
                throw new ArgumentException("too many files for one directory sector", nameof(files));
            }

            offset += DirectoryRecord(sector[offset..], extents[i], files[i].Content.Length, directory: false, id);
        }
    }

    /// <summary>ECMA-119 9.1: writes one directory record and returns its length (even).</summary>
    private static int DirectoryRecord(Span<byte> r, int extent, int length, bool directory, ReadOnlySpan<byte> id)
    {
        var recordLength = 33 + id.Length + ((id.Length % 2 == 0) ? 1 : 0);
        r[0] = (byte)recordLength;
        BothEndian32(r[2..], extent);
        BothEndian32(r[10..], length);
        r[18] = 100; // 2000-01-01 00:00:00 UTC
        r[19] = 1;
        r[20] = 1;
        r[25] = directory ? (byte)2 : (byte)0;
        BothEndian16(r[28..], 1);
        r[32] = (byte)id.Length;
        id.CopyTo(r[33..]);
        return recordLength;
    }

    private static void BothEndian32(Span<byte> field, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(field, value);
        BinaryPrimitives.WriteInt32BigEndian(field[4..], value);
    }

    private static void BothEndian16(Span<byte> field, int value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(field, (ushort)value);
        BinaryPrimitives.WriteUInt16BigEndian(field[2..], (ushort)value);
    }
}
