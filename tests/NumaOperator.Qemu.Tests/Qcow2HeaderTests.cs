using System.Buffers.Binary;
using NumaOperator.Qemu.Preflight;

namespace NumaOperator.Qemu.Tests;

/// <summary>The qcow2 header parser reads the names QEMU would open, and turns every bad or short header into an error text, never an exception.</summary>
public sealed class Qcow2HeaderTests
{
    [Fact]
    public void Reads_backing_file_format_and_data_file()
    {
        var bytes = new Qcow2Bytes { Backing = "../base.qcow2", BackingFormat = "qcow2", DataFile = "/images/data.raw" }.Build();
        Assert.True(Qcow2Header.TryParse(bytes, out var header, out var error), error);
        Assert.Equal(new Qcow2Header(3, "../base.qcow2", "qcow2", "/images/data.raw", true), header);
    }

    [Fact]
    public void Version_2_has_extensions_too()
    {
        var bytes = new Qcow2Bytes { Version = 2, Backing = "base.raw", BackingFormat = "raw" }.Build();
        Assert.True(Qcow2Header.TryParse(bytes, out var header, out var error), error);
        Assert.Equal(new Qcow2Header(2, "base.raw", "raw", null, false), header);
    }

    [Fact]
    public void No_backing_file_and_an_empty_name_are_the_same()
    {
        Assert.True(Qcow2Header.TryParse(new Qcow2Bytes().Build(), out var none, out _));
        Assert.Null(none.BackingFile);
        Assert.True(Qcow2Header.TryParse(new Qcow2Bytes { Backing = string.Empty, BackingFormat = "raw" }.Build(), out var empty, out _));
        Assert.Null(empty.BackingFile);
    }

    [Fact]
    public void Unknown_extensions_are_skipped()
    {
        var bytes = new Qcow2Bytes { Backing = "b", BackingFormat = "raw", Extensions = [(0x6803f857, new byte[48]), (0x12345678, [1, 2, 3])] }.Build();
        Assert.True(Qcow2Header.TryParse(bytes, out var header, out _));
        Assert.Equal("raw", header.BackingFormat);
    }

    [Fact]
    public void Data_file_bit_without_a_name_is_reported()
    {
        Assert.True(Qcow2Header.TryParse(new Qcow2Bytes { DataFileBit = true }.Build(), out var header, out _));
        Assert.True(header.HasExternalDataFile);
        Assert.Null(header.DataFile);
    }

    [Theory]
    [InlineData(new byte[0], "does not start with the qcow2 magic")]
    [InlineData(new byte[] { 0x51, 0x46, 0x49 }, "does not start with the qcow2 magic")]
    [InlineData(new byte[] { 0x51, 0x46, 0x49, 0xfa, 0, 0, 0, 3 }, "does not start with the qcow2 magic")]
    [InlineData(new byte[] { 0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3 }, "truncated qcow2 header")]
    public void Short_or_foreign_bytes_are_errors(byte[] bytes, string message)
    {
        Assert.False(Qcow2Header.TryParse(bytes, out _, out var error));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("version", "qcow2 version 4")]
    [InlineData("clusterBits", "cluster_bits 30")]
    [InlineData("headerLength", "header_length of 96")]
    [InlineData("backingOffset", "backing_file_offset of 70000")]
    [InlineData("backingSize", "backing file name of 2000 bytes")]
    [InlineData("extensionLength", "overruns the header area")]
    [InlineData("truncatedName", "truncated qcow2 backing file name")]
    [InlineData("noEndMarker", "no end marker")]
    [InlineData("nul", "with a NUL byte")]
    [InlineData("notUtf8", "not UTF-8")]
    [InlineData("duplicate", "two qcow2 backing format header extensions")]
    [InlineData("longFormat", "backing format name of 16 bytes")]
    public void Broken_fields_are_errors(string broken, string message)
    {
        var bytes = new Qcow2Bytes { Backing = "base.qcow2", BackingFormat = "qcow2" }.Build();
        var span = bytes.AsSpan();
        var backingOffset = (int)BinaryPrimitives.ReadUInt64BigEndian(span[8..]);
        switch (broken)
        {
            case "version": BinaryPrimitives.WriteUInt32BigEndian(span[4..], 4); break;
            case "clusterBits": BinaryPrimitives.WriteUInt32BigEndian(span[20..], 30); break;
            case "headerLength": BinaryPrimitives.WriteUInt32BigEndian(span[100..], 96); break;
            case "backingOffset": BinaryPrimitives.WriteUInt64BigEndian(span[8..], 70000); break;
            case "backingSize": BinaryPrimitives.WriteUInt32BigEndian(span[16..], 2000); break;
            case "extensionLength": BinaryPrimitives.WriteUInt32BigEndian(span[108..], 100_000); break;
            case "truncatedName": bytes = bytes[..^2]; break;
            case "noEndMarker": bytes = new Qcow2Bytes().Build()[..104]; break;
            case "nul": span[backingOffset + 2] = 0; break;
            case "notUtf8": span[backingOffset] = 0xff; break;
            case "duplicate": bytes = new Qcow2Bytes { Backing = "b", BackingFormat = "raw", Extensions = [(Qcow2Bytes.BackingFormatExtension, "qcow2"u8.ToArray())] }.Build(); break;
            case "longFormat": bytes = Qcow2Bytes.BackedBy("b", new string('q', 16)).Build(); break;
            default: throw new ArgumentOutOfRangeException(nameof(broken));
        }

        Assert.False(Qcow2Header.TryParse(bytes, out _, out var error));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_needed_is_the_first_cluster()
    {
        Assert.Equal(1 << 16, Qcow2Header.BytesNeeded(new Qcow2Bytes().Build()));
        Assert.Equal(1 << 21, Qcow2Header.BytesNeeded(new Qcow2Bytes { ClusterBits = 21 }.Build()));
        Assert.Equal(Qcow2Header.ProbeBytes, Qcow2Header.BytesNeeded(new Qcow2Bytes { ClusterBits = 40 }.Build()));
        Assert.Equal(Qcow2Header.ProbeBytes, Qcow2Header.BytesNeeded("not qcow2 at all, just text"u8));
    }

    /// <summary>Every prefix and 20,000 seeded mutations of real headers: an answer or an error text, never an exception.</summary>
    [Fact]
    public void Mutated_headers_never_throw()
    {
        var seeds = new[]
        {
            new Qcow2Bytes { Backing = "../base.qcow2", BackingFormat = "qcow2", DataFile = "/d.raw" }.Build(),
            new Qcow2Bytes { Version = 2, Backing = "b", BackingFormat = "raw" }.Build(),
            new Qcow2Bytes { Extensions = [(0x6803f857, new byte[96])] }.Build(),
        };
        var random = new Random(20261129);
        var parsed = 0;
        foreach (var seed in seeds)
        {
            for (var n = 0; n <= seed.Length; n++)
            {
                parsed += Parse(seed[..n]);
            }
        }

        for (var i = 0; i < 20_000; i++)
        {
            var bytes = (byte[])seeds[random.Next(seeds.Length)].Clone();
            for (var flips = random.Next(1, 6); flips > 0; flips--)
            {
                bytes[random.Next(4, bytes.Length)] = random.Next(3) == 0 ? (byte)0xff : (byte)random.Next(256);
            }

            parsed += Parse(random.Next(4) == 0 ? bytes[..random.Next(bytes.Length + 1)] : bytes);
        }

        Assert.InRange(parsed, 1000, 19_000); // both outcomes happen often: the mutations reach the parser's branches
    }

    private static int Parse(byte[] bytes)
    {
        var ok = Qcow2Header.TryParse(bytes, out _, out var error);
        Assert.True(ok ^ (error is not null));
        return ok ? 1 : 0;
    }
}
