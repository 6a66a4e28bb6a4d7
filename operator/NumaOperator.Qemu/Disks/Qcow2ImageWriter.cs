using System.Buffers.Binary;
using System.Text;

namespace NumaOperator.Qemu.Disks;

/// <summary>
/// A new, empty qcow2 (version 3, 64 KiB clusters, 16-bit refcounts), optionally on top of a backing file: what
/// <c>qemu-img create -f qcow2 [-b BASE -F FMT] FILE SIZE</c> writes, so the agent needs no qemu-img in its image.
/// Layout (docs/interop/qcow2.txt): cluster 0 header + backing format extension + backing file name, cluster 1 the
/// refcount table, cluster 2 one refcount block, then the (all-zero) L1 table. QEMU allocates everything else as the
/// guest writes. Pure: <see cref="Build"/> returns the bytes.
/// </summary>
public static class Qcow2ImageWriter
{
    public const int ClusterBits = 16;
    public const int ClusterBytes = 1 << ClusterBits;

    /// <summary>Header extension type of the backing file format.</summary>
    private const uint BackingFormatExtension = 0xE2792ACA;
    private const int HeaderLength = 104;

    /// <summary>Bytes of guest disk one L1 entry maps (an L2 table of 8-byte entries, each one cluster).</summary>
    private const long BytesPerL1Entry = (long)ClusterBytes * (ClusterBytes / 8);

    /// <param name="virtualSize">The disk size the guest sees; a multiple of 512.</param>
    /// <param name="backingFile">The absolute path QEMU opens (read-only) for clusters the image does not hold, or null.</param>
    /// <param name="backingFormat">raw or qcow2; required with <paramref name="backingFile"/>, so QEMU never probes the base.</param>
    public static byte[] Build(long virtualSize, string? backingFile = null, string? backingFormat = null)
    {
        if (virtualSize <= 0 || virtualSize % 512 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(virtualSize), virtualSize, "must be a positive multiple of 512");
        }

        if ((backingFile is null) != (backingFormat is null))
        {
            throw new ArgumentException("a backing file needs its format and a format needs a backing file", nameof(backingFormat));
        }

        var l1Entries = checked((int)((virtualSize + BytesPerL1Entry - 1) / BytesPerL1Entry));
        var l1Clusters = Math.Max(1, ((l1Entries * 8) + ClusterBytes - 1) / ClusterBytes);
        var clusters = 3 + l1Clusters;
        var image = new byte[(long)clusters * ClusterBytes];
        var header = image.AsSpan(0, ClusterBytes);
        BinaryPrimitives.WriteUInt32BigEndian(header, 0x514649fb);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], 3);
        BinaryPrimitives.WriteUInt32BigEndian(header[20..], ClusterBits);
        BinaryPrimitives.WriteUInt64BigEndian(header[24..], (ulong)virtualSize);
        BinaryPrimitives.WriteUInt32BigEndian(header[36..], (uint)l1Entries);
        BinaryPrimitives.WriteUInt64BigEndian(header[40..], 3UL * ClusterBytes);
        BinaryPrimitives.WriteUInt64BigEndian(header[48..], 1UL * ClusterBytes);
        BinaryPrimitives.WriteUInt32BigEndian(header[56..], 1);
        BinaryPrimitives.WriteUInt32BigEndian(header[96..], 4); // refcount_order: 16-bit refcounts
        BinaryPrimitives.WriteUInt32BigEndian(header[100..], HeaderLength);

        var offset = HeaderLength;
        if (backingFile is not null)
        {
            var format = Encoding.ASCII.GetBytes(backingFormat!);
            BinaryPrimitives.WriteUInt32BigEndian(header[offset..], BackingFormatExtension);
            BinaryPrimitives.WriteUInt32BigEndian(header[(offset + 4)..], (uint)format.Length);
            format.CopyTo(header[(offset + 8)..]);
            offset += 8 + ((format.Length + 7) & ~7);
        }

        offset += 8; // end of extensions: type 0, length 0
        if (backingFile is not null)
        {
            var name = Encoding.UTF8.GetBytes(backingFile);
            if (name.Length > 1023 || name.Contains((byte)0))
            {
                throw new ArgumentException("a backing file name has at most 1023 bytes and no NUL", nameof(backingFile));
            }

            BinaryPrimitives.WriteUInt64BigEndian(header[8..], (ulong)offset);
            BinaryPrimitives.WriteUInt32BigEndian(header[16..], (uint)name.Length);
            name.CopyTo(header[offset..]);
        }

        BinaryPrimitives.WriteUInt64BigEndian(image.AsSpan(ClusterBytes), 2UL * ClusterBytes);
        var refcounts = image.AsSpan(2 * ClusterBytes, ClusterBytes);
        for (var cluster = 0; cluster < clusters; cluster++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(refcounts[(cluster * 2)..], 1);
        }

        return image;
    }

    /// <summary>The virtual size in a qcow2 header (bytes 24..31), or null when the bytes are not a qcow2 header.</summary>
    public static long? VirtualSize(ReadOnlySpan<byte> header) =>
        header.Length >= 32 && header.StartsWith((ReadOnlySpan<byte>)[0x51, 0x46, 0x49, 0xfb])
            ? (long)BinaryPrimitives.ReadUInt64BigEndian(header[24..])
            : null;
}
