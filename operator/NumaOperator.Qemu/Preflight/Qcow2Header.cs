using System.Buffers.Binary;
using System.Text;

namespace NumaOperator.Qemu.Preflight;

/// <summary>
/// The parts of a qcow2 header that make QEMU open another file: the backing file name, its format (header extension
/// 0xe2792aca) and the external data file (incompatible feature bit 2, extension 0x44415441). Read the way QEMU 7.2's
/// qcow2_do_open reads them (docs/interop/qcow2.txt), so the pre-flight sees the names QEMU will open. Pure: it parses
/// bytes the caller read; it allocates only the names it returns.
/// </summary>
/// <param name="Version">2 or 3.</param>
/// <param name="BackingFile">The backing file name, or null when there is none (offset 0, or an empty name, which QEMU ignores).</param>
/// <param name="BackingFormat">The backing file's format from the header extension, or null when the image does not say.</param>
/// <param name="DataFile">The external data file name from the header extension, or null.</param>
/// <param name="HasExternalDataFile">Incompatible feature bit 2: QEMU opens <paramref name="DataFile"/> for the guest's clusters.</param>
public readonly record struct Qcow2Header(int Version, string? BackingFile, string? BackingFormat, string? DataFile, bool HasExternalDataFile)
{
    /// <summary>QEMU's largest cluster (cluster_bits 21); the header and everything it names lie in the first cluster.</summary>
    public const int MaxClusterBytes = 1 << MaxClusterBits;

    /// <summary>What the caller reads first: enough for the fixed fields of either version, and usually for everything.</summary>
    public const int ProbeBytes = 4096;

    private const int MinClusterBits = 9;
    private const int MaxClusterBits = 21;
    private const int Version2HeaderBytes = 72;
    private const int Version3MinHeaderBytes = 104;
    private const int MaxBackingNameBytes = 1023;

    // QEMU keeps the backing format in char[16]: a longer name fails to open.
    private const int MaxBackingFormatBytes = 15;
    private const uint ExtensionEnd = 0;
    private const uint ExtensionBackingFormat = 0xe2792aca;
    private const uint ExtensionDataFile = 0x44415441;
    private const ulong IncompatibleDataFile = 1UL << 2;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>"QFI\xfb".</summary>
    public static ReadOnlySpan<byte> Magic => [0x51, 0x46, 0x49, 0xfb];

    /// <summary>True when <paramref name="start"/> begins with the qcow2 magic.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> start) => start.StartsWith(Magic);

    /// <summary>
    /// How many leading bytes of the file <see cref="TryParse"/> needs: the first cluster (QEMU reads the header,
    /// its extensions and the backing file name from there), or <see cref="ProbeBytes"/> when the cluster size cannot
    /// be read yet.
    /// </summary>
    public static int BytesNeeded(ReadOnlySpan<byte> start)
    {
        if (start.Length < 24 || !HasMagic(start))
        {
            return ProbeBytes;
        }

        var bits = BinaryPrimitives.ReadUInt32BigEndian(start[20..]);
        return bits is >= MinClusterBits and <= MaxClusterBits ? 1 << (int)bits : ProbeBytes;
    }

    /// <summary>
    /// Parses the leading bytes of a file (the first cluster, or all of a shorter file). Never throws for bad bytes:
    /// <paramref name="error"/> says what is wrong ("has no qcow2 magic ...", "truncated ...").
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out Qcow2Header header, out string? error)
    {
        header = default;
        if (!HasMagic(data))
        {
            error = "is not a qcow2 image: it does not start with the qcow2 magic \"QFI\\xfb\"";
            return false;
        }

        if (data.Length < Version2HeaderBytes)
        {
            return Fail(out error, $"has a truncated qcow2 header ({data.Length} bytes, at least {Version2HeaderBytes} needed)");
        }

        var version = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        if (version is not (2 or 3))
        {
            return Fail(out error, $"has qcow2 version {version}; QEMU opens only versions 2 and 3");
        }

        var clusterBits = BinaryPrimitives.ReadUInt32BigEndian(data[20..]);
        if (clusterBits is < MinClusterBits or > MaxClusterBits)
        {
            return Fail(out error, $"has qcow2 cluster_bits {clusterBits}; QEMU opens {MinClusterBits}-{MaxClusterBits}");
        }

        var clusterBytes = 1L << (int)clusterBits;
        var backingOffset = BinaryPrimitives.ReadUInt64BigEndian(data[8..]);
        var backingSize = BinaryPrimitives.ReadUInt32BigEndian(data[16..]);
        var headerLength = (ulong)Version2HeaderBytes;
        var incompatible = 0UL;
        if (version == 3)
        {
            if (data.Length < Version3MinHeaderBytes)
            {
                return Fail(out error, $"has a truncated qcow2 v3 header ({data.Length} bytes, at least {Version3MinHeaderBytes} needed)");
            }

            incompatible = BinaryPrimitives.ReadUInt64BigEndian(data[72..]);
            headerLength = BinaryPrimitives.ReadUInt32BigEndian(data[100..]);
            if (headerLength < Version3MinHeaderBytes)
            {
                return Fail(out error, $"has a qcow2 header_length of {headerLength}, below {Version3MinHeaderBytes}");
            }
        }

        if (headerLength > (ulong)clusterBytes)
        {
            return Fail(out error, $"has a qcow2 header_length of {headerLength}, beyond its {clusterBytes}-byte cluster");
        }

        if (backingOffset > (ulong)clusterBytes)
        {
            return Fail(out error, $"has a backing_file_offset of {backingOffset}, beyond its {clusterBytes}-byte cluster");
        }

        // Extensions run from the end of the header to the backing file name (or the end of the cluster), until an
        // end marker; QEMU refuses one that overruns that area.
        var extensionEnd = backingOffset != 0 ? backingOffset : (ulong)clusterBytes;
        var offset = headerLength;
        string? backingFormat = null;
        string? dataFile = null;
        while (offset < extensionEnd)
        {
            if (offset + 8 > (ulong)data.Length)
            {
                return Fail(out error, $"has a truncated qcow2 header extension area (no end marker within the {data.Length} bytes read)");
            }

            var type = BinaryPrimitives.ReadUInt32BigEndian(data[(int)offset..]);
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[((int)offset + 4)..]);
            offset += 8;
            if (offset > extensionEnd || length > extensionEnd - offset)
            {
                return Fail(out error, $"has a qcow2 header extension 0x{type:x8} of {length} bytes that overruns the header area");
            }

            if (type == ExtensionEnd)
            {
                break;
            }

            if (type is ExtensionBackingFormat or ExtensionDataFile)
            {
                var what = type == ExtensionBackingFormat ? "backing format" : "external data file name";
                if ((type == ExtensionBackingFormat ? backingFormat : dataFile) is not null)
                {
                    return Fail(out error, $"has two qcow2 {what} header extensions");
                }

                if (offset + length > (ulong)data.Length)
                {
                    return Fail(out error, $"has a truncated qcow2 {what} header extension");
                }

                if (type == ExtensionBackingFormat && length > MaxBackingFormatBytes)
                {
                    return Fail(out error, $"has a qcow2 backing format name of {length} bytes; QEMU takes at most {MaxBackingFormatBytes}");
                }

                if (!TryName(data.Slice((int)offset, (int)length), what, out var name, out error))
                {
                    return false;
                }

                if (type == ExtensionBackingFormat)
                {
                    backingFormat = name;
                }
                else
                {
                    dataFile = name;
                }
            }

            offset += (length + 7UL) & ~7UL;
        }

        string? backingFile = null;
        if (backingOffset != 0)
        {
            if (backingSize > MaxBackingNameBytes || backingSize > (ulong)clusterBytes - backingOffset)
            {
                return Fail(out error, $"has a qcow2 backing file name of {backingSize} bytes; QEMU takes at most {MaxBackingNameBytes}, within the first cluster");
            }

            if (backingOffset + backingSize > (ulong)data.Length)
            {
                return Fail(out error, "has a truncated qcow2 backing file name");
            }

            if (!TryName(data.Slice((int)backingOffset, (int)backingSize), "backing file name", out backingFile, out error))
            {
                return false;
            }

            // QEMU treats an empty name as no backing file.
            backingFile = backingFile.Length == 0 ? null : backingFile;
        }

        header = new Qcow2Header((int)version, backingFile, backingFormat, dataFile, (incompatible & IncompatibleDataFile) != 0);
        error = null;
        return true;
    }

    /// <summary>
    /// A name as QEMU would pass it to open(2). QEMU stops a name at a NUL byte, and .NET would open a different path
    /// for bytes that are not UTF-8; both are refused, so the name checked is the name opened.
    /// </summary>
    private static bool TryName(ReadOnlySpan<byte> bytes, string what, out string name, out string? error)
    {
        name = string.Empty;
        if (bytes.Contains((byte)0))
        {
            return Fail(out error, $"has a qcow2 {what} with a NUL byte");
        }

        try
        {
            name = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Fail(out error, $"has a qcow2 {what} that is not UTF-8");
        }

        error = null;
        return true;
    }

    private static bool Fail(out string? error, string message)
    {
        error = message;
        return false;
    }
}
