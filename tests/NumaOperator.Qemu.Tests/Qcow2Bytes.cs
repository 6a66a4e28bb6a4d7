using System.Buffers.Binary;
using System.Text;

namespace NumaOperator.Qemu.Tests;

/// <summary>
/// Writes qcow2 headers byte by byte (docs/interop/qcow2.txt), independent of the parser under test: the fixed header,
/// header extensions, an end marker, then the backing file name. Only the header: enough for the pre-flight, not for QEMU.
/// </summary>
public sealed record Qcow2Bytes
{
    public const uint BackingFormatExtension = 0xe2792aca;
    public const uint DataFileExtension = 0x44415441;

    public int Version { get; init; } = 3;

    public int ClusterBits { get; init; } = 16;

    public string? Backing { get; init; }

    public string? BackingFormat { get; init; }

    public string? DataFile { get; init; }

    /// <summary>Incompatible feature bit 2; defaults to "a data file is named".</summary>
    public bool? DataFileBit { get; init; }

    /// <summary>Extra extensions written before the known ones (type, payload).</summary>
    public IReadOnlyList<(uint Type, byte[] Data)> Extensions { get; init; } = [];

    public static Qcow2Bytes BackedBy(string backing, string format = "qcow2") => new() { Backing = backing, BackingFormat = format };

    public byte[] Build()
    {
        var headerLength = Version == 2 ? 72 : 104;
        var bytes = new List<byte>(new byte[headerLength]);
        var extensions = new List<(uint, byte[])>(Extensions);
        if (BackingFormat is not null)
        {
            extensions.Add((BackingFormatExtension, Encoding.UTF8.GetBytes(BackingFormat)));
        }

        if (DataFile is not null)
        {
            extensions.Add((DataFileExtension, Encoding.UTF8.GetBytes(DataFile)));
        }

        foreach (var (type, data) in extensions)
        {
            AppendExtension(bytes, type, data);
        }

        AppendExtension(bytes, 0, []);
        var backingOffset = Backing is null ? 0 : bytes.Count;
        var backingBytes = Backing is null ? [] : Encoding.UTF8.GetBytes(Backing);
        bytes.AddRange(backingBytes);
        var result = bytes.ToArray();
        var span = result.AsSpan();
        span[0] = 0x51;
        span[1] = 0x46;
        span[2] = 0x49;
        span[3] = 0xfb;
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)Version);
        BinaryPrimitives.WriteUInt64BigEndian(span[8..], (ulong)backingOffset);
        BinaryPrimitives.WriteUInt32BigEndian(span[16..], (uint)backingBytes.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span[20..], (uint)ClusterBits);
        BinaryPrimitives.WriteUInt64BigEndian(span[24..], 1UL << 20);
        if (Version == 3)
        {
            BinaryPrimitives.WriteUInt64BigEndian(span[72..], (DataFileBit ?? DataFile is not null) ? 1UL << 2 : 0);
            BinaryPrimitives.WriteUInt32BigEndian(span[96..], 4);
            BinaryPrimitives.WriteUInt32BigEndian(span[100..], (uint)headerLength);
        }

        return result;
    }

    public void WriteTo(string path) => File.WriteAllBytes(path, Build());

    private static void AppendExtension(List<byte> bytes, uint type, byte[] data)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(head, type);
        BinaryPrimitives.WriteUInt32BigEndian(head[4..], (uint)data.Length);
        bytes.AddRange(head.ToArray());
        bytes.AddRange(data);
        bytes.AddRange(new byte[((data.Length + 7) & ~7) - data.Length]);
    }
}
