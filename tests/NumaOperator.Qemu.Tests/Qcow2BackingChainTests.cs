using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Preflight;

namespace NumaOperator.Qemu.Tests;

/// <summary>
/// A qcow2 disk's backing chain and data file, written byte by byte by the test: everything QEMU would open resolves
/// inside the image root, or pre-flight refuses the disk as bad input naming spec.boot.disk.image, the file and the rule.
/// </summary>
public sealed class Qcow2BackingChainTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("numaop-qcow2-").FullName;

    public Qcow2BackingChainTests()
    {
        Directory.CreateDirectory(Images("vm"));
        File.WriteAllText(Path.Combine(_dir, "secret"), "host secret");
        File.WriteAllBytes(Images("base.raw"), new byte[4096]);
        File.WriteAllBytes(Images("data.raw"), new byte[4096]);
    }

    private ImageRoot Root => new(Images());

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Chain_inside_the_root_resolves()
    {
        Directory.CreateDirectory(Images("sub"));
        Qcow2Bytes.BackedBy("../base.raw", "raw").WriteTo(Images("sub", "base.qcow2"));
        Qcow2Bytes.BackedBy(Images("sub", "base.qcow2")).WriteTo(Images("vm", "mid.qcow2"));
        Qcow2Bytes.BackedBy("mid.qcow2").WriteTo(Images("vm", "top.qcow2"));

        var boot = Resolve("vm/top.qcow2", "qcow2");
        Assert.Equal(Images("vm", "top.qcow2"), boot.DiskPath);
        Assert.Equal("qcow2", boot.DiskFormat);
    }

    [Fact]
    public void Data_file_by_absolute_path_inside_the_root_resolves()
    {
        new Qcow2Bytes { DataFile = Images("data.raw") }.WriteTo(Images("top.qcow2"));
        Assert.Equal(Images("top.qcow2"), Resolve("top.qcow2", "qcow2").DiskPath);
    }

    [Theory]
    [InlineData("../secret", "resolves to {dir}/secret, outside the root")]
    [InlineData("../../secret", "does not exist")]
    [InlineData("{dir}/secret", "resolves to {dir}/secret, outside the root")]
    [InlineData("/etc/shadow", "resolves to /etc/shadow, outside the root")]
    [InlineData("escape", "resolves to {dir}/secret, outside the root")]
    [InlineData("updir/secret", "resolves to {dir}/secret, outside the root")]
    [InlineData("missing.qcow2", "does not exist")]
    [InlineData("vm", "resolves to {root}/vm, a directory")]
    public void Backing_file_outside_the_root_is_refused(string backing, string problem)
    {
        File.CreateSymbolicLink(Images("escape"), Path.Combine(_dir, "secret"));
        Directory.CreateSymbolicLink(Images("updir"), _dir);
        Qcow2Bytes.BackedBy(Fill(backing), "raw").WriteTo(Images("top.qcow2"));

        var e = Refused("top.qcow2");
        Assert.Equal(
            $"spec.boot.disk.image: \"top.qcow2\" {Images("top.qcow2")} names backing file \"{Fill(backing)}\", which {Fill(problem)}: backing files must resolve inside the image root {Images()}",
            e.Message);
    }

    /// <summary>"link/.." is the parent of the link's target, as the kernel resolves it, not the directory holding the link.</summary>
    [Fact]
    public void Dot_dot_after_a_symlink_follows_the_kernel()
    {
        var outside = Directory.CreateDirectory(Path.Combine(_dir, "outside", "deep")).FullName;
        File.WriteAllText(Path.Combine(_dir, "outside", "base.raw"), "outside");
        Directory.CreateSymbolicLink(Images("deeplink"), outside);

        // Lexically images/deeplink/../base.raw is images/base.raw (inside); the kernel opens outside/base.raw.
        Qcow2Bytes.BackedBy("deeplink/../base.raw", "raw").WriteTo(Images("top.qcow2"));
        Assert.Contains($"resolves to {Path.Combine(_dir, "outside", "base.raw")}, outside the root: backing files must resolve inside the image root {Images()}", Refused("top.qcow2").Message, StringComparison.Ordinal);
    }

    /// <summary>QEMU combines a relative name with the directory of the name it opened the parent by, not the parent's symlink target.</summary>
    [Fact]
    public void Relative_names_resolve_against_the_name_qemu_opened_not_its_target()
    {
        File.WriteAllText(Images("vm", "base.raw"), "inside vm/");
        Qcow2Bytes.BackedBy("base.raw", "raw").WriteTo(Images("vm", "mid.qcow2"));
        File.CreateSymbolicLink(Images("mid-link.qcow2"), Images("vm", "mid.qcow2"));
        Qcow2Bytes.BackedBy("mid-link.qcow2").WriteTo(Images("top.qcow2"));
        File.Delete(Images("base.raw"));

        // mid's "base.raw" is opened as images/base.raw (mid-link's directory), which does not exist: refused, though vm/base.raw does.
        var e = Refused("top.qcow2");
        Assert.Contains($"backing file {Images("mid-link.qcow2")} names backing file \"base.raw\", which does not exist", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nbd:localhost:10809", "nbd:")]
    [InlineData("http://example.com/disk.qcow2", "http:")]
    [InlineData("json:{\"driver\":\"file\",\"filename\":\"/etc/shadow\"}", "json:")]
    [InlineData("file:base.raw", "file:")]
    public void Protocol_prefixes_are_refused(string backing, string protocol)
    {
        Qcow2Bytes.BackedBy(backing, "raw").WriteTo(Images("top.qcow2"));
        var e = Refused("top.qcow2");
        Assert.Contains($"names backing file \"{backing}\", a protocol (\"{protocol}\")", e.Message, StringComparison.Ordinal);
        Assert.Contains("must resolve inside the image root " + Images(), e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("./a:b", false)]
    [InlineData("/images/a:b", false)]
    [InlineData("a:b", true)]
    [InlineData("a", false)]
    public void Protocol_is_a_colon_before_any_slash(string name, bool protocol) =>
        Assert.Equal(protocol, Qcow2BackingChain.HasProtocol(name));

    /// <summary>Without a backing format QEMU 7.2 probes the backing file; a probed qcow2 would be followed wherever it points.</summary>
    [Fact]
    public void Backing_file_without_a_format_is_refused()
    {
        Qcow2Bytes.BackedBy("base.raw", "raw").WriteTo(Images("inner.qcow2"));
        new Qcow2Bytes { Backing = "inner.qcow2" }.WriteTo(Images("top.qcow2"));
        var e = Refused("top.qcow2");
        Assert.Contains("names backing file \"inner.qcow2\" without a backing format; QEMU would probe its format", e.Message, StringComparison.Ordinal);
        Assert.Contains($"qemu-img rebase -u -b \"inner.qcow2\" -F raw (or qcow2) {Images("top.qcow2")}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vmdk")]
    [InlineData("luks")]
    [InlineData("file")]
    public void Backing_formats_other_than_qcow2_and_raw_are_refused(string format)
    {
        Qcow2Bytes.BackedBy("base.raw", format).WriteTo(Images("top.qcow2"));
        Assert.Contains($"names backing file \"base.raw\" of format \"{format}\": backing files must be qcow2 or raw", Refused("top.qcow2").Message, StringComparison.Ordinal);
    }

    /// <summary>A backing file declared raw is opened raw: whatever its bytes name is never opened, so it is not followed.</summary>
    [Fact]
    public void Raw_backing_file_ends_the_chain_whatever_its_bytes_say()
    {
        Qcow2Bytes.BackedBy("/etc/shadow", "raw").WriteTo(Images("looks-like-qcow2.raw"));
        Qcow2Bytes.BackedBy("looks-like-qcow2.raw", "raw").WriteTo(Images("top.qcow2"));
        Assert.Equal(Images("top.qcow2"), Resolve("top.qcow2", "qcow2").DiskPath);
    }

    [Fact]
    public void Backing_file_declared_qcow2_must_be_qcow2()
    {
        Qcow2Bytes.BackedBy("base.raw").WriteTo(Images("top.qcow2"));
        Assert.Contains($"backing file {Images("base.raw")} is not a qcow2 image: it does not start with the qcow2 magic \"QFI\\xfb\" (its parent's backing format extension says qcow2)", Refused("top.qcow2").Message, StringComparison.Ordinal);

        File.WriteAllBytes(Images("base.raw"), []);
        Assert.Contains($"backing file {Images("base.raw")} is empty (or not a regular file), so it is not a qcow2 image", Refused("top.qcow2").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("qcow2", "top.img", "spec.boot.disk.format is qcow2")]
    [InlineData(null, "top.qcow2", "spec.boot.disk.format is omitted and the name ends in .qcow2")]
    public void Disk_read_as_qcow2_must_be_qcow2(string? format, string name, string because)
    {
        File.WriteAllBytes(Images(name), new byte[65536]);
        var e = Assert.Throws<PreflightException>(() => LaunchPreflight.ResolveBoot(Boot(name, format), Root));
        Assert.True(e.IsBadInput);
        Assert.Equal($"spec.boot.disk.image: \"{name}\" {Images(name)} is not a qcow2 image: it does not start with the qcow2 magic \"QFI\\xfb\" ({because})", e.Message);
    }

    /// <summary>format raw (given, or omitted for a name not ending in .qcow2) is opened raw by QEMU: its bytes are never parsed, and the format is explicit.</summary>
    [Theory]
    [InlineData("raw", "top.qcow2")]
    [InlineData(null, "top.img")]
    public void Raw_disks_are_not_parsed_and_their_format_is_explicit(string? format, string name)
    {
        Qcow2Bytes.BackedBy("/etc/shadow", "raw").WriteTo(Images(name));
        var boot = LaunchPreflight.ResolveBoot(Boot(name, format), Root);
        Assert.Equal("raw", boot.DiskFormat);
        Assert.Equal(Images(name), boot.DiskPath);
    }

    [Fact]
    public void Loops_are_refused()
    {
        Qcow2Bytes.BackedBy("b.qcow2").WriteTo(Images("a.qcow2"));
        Qcow2Bytes.BackedBy("a.qcow2").WriteTo(Images("b.qcow2"));
        Assert.Contains($"names backing file \"a.qcow2\", which is {Images("a.qcow2")} again: the backing chain loops", Refused("a.qcow2").Message, StringComparison.Ordinal);

        Qcow2Bytes.BackedBy("self.qcow2").WriteTo(Images("self.qcow2"));
        Assert.Contains("the backing chain loops", Refused("self.qcow2").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Chains_deeper_than_the_limit_are_refused()
    {
        // l0 -> l1 -> ... -> l16 -> base.raw: 16 qcow2 backing files and a raw one is 17, one more than allowed.
        var depth = Qcow2BackingChain.MaxBackingDepth;
        Qcow2Bytes.BackedBy("base.raw", "raw").WriteTo(Images($"l{depth}.qcow2"));
        for (var i = depth - 1; i >= 0; i--)
        {
            Qcow2Bytes.BackedBy($"l{i + 1}.qcow2").WriteTo(Images($"l{i}.qcow2"));
        }

        Assert.Contains($"has a backing chain deeper than {depth} files", Refused("l0.qcow2").Message, StringComparison.Ordinal);
        Assert.Equal(Images("l1.qcow2"), Resolve("l1.qcow2", "qcow2").DiskPath); // exactly the limit
    }

    [Fact]
    public void Relative_data_file_is_refused()
    {
        new Qcow2Bytes { DataFile = "data.raw" }.WriteTo(Images("top.qcow2"));
        var e = Refused("top.qcow2");
        Assert.Contains("names external data file \"data.raw\", a relative name QEMU 7.2 opens against its own working directory", e.Message, StringComparison.Ordinal);
        Assert.Contains("name it by an absolute path that resolves inside the image root " + Images(), e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{dir}/secret", "which resolves to {dir}/secret, outside the root")]
    [InlineData("{root}/../secret", "which resolves to {dir}/secret, outside the root")]
    [InlineData("json:{\"driver\":\"file\",\"filename\":\"/etc/shadow\"}", "a protocol")]
    public void Data_file_outside_the_root_is_refused(string dataFile, string problem)
    {
        new Qcow2Bytes { DataFile = Fill(dataFile) }.WriteTo(Images("top.qcow2"));
        var e = Refused("top.qcow2");
        Assert.Contains($"names external data file \"{Fill(dataFile)}\", {Fill(problem)}", e.Message, StringComparison.Ordinal);
        Assert.Contains("data files must resolve inside the image root " + Images(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_file_deeper_in_the_chain_is_checked()
    {
        new Qcow2Bytes { DataFile = "/etc/passwd" }.WriteTo(Images("base.qcow2"));
        Qcow2Bytes.BackedBy("base.qcow2").WriteTo(Images("top.qcow2"));
        Assert.Contains($"backing file {Images("base.qcow2")} names external data file \"/etc/passwd\"", Refused("top.qcow2").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_file_bit_without_a_name_is_refused()
    {
        new Qcow2Bytes { DataFileBit = true }.WriteTo(Images("top.qcow2"));
        Assert.Contains("declares an external data file (incompatible feature bit 2) but names none", Refused("top.qcow2").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_header_is_bad_input()
    {
        File.WriteAllBytes(Images("top.qcow2"), new Qcow2Bytes().Build()[..80]);
        Assert.Contains("has a truncated qcow2 v3 header (80 bytes", Refused("top.qcow2").Message, StringComparison.Ordinal);
    }

    /// <summary>A header in a 2 MiB cluster whose backing name sits past the first 4 KiB read: the parser gets the whole first cluster.</summary>
    [Fact]
    public void Backing_name_beyond_the_first_read_is_found()
    {
        var header = new Qcow2Bytes { ClusterBits = 21, BackingFormat = "raw", Extensions = [(0x12345678, new byte[8000])] }.Build();
        var bytes = new byte[header.Length + 16];
        header.CopyTo(bytes, 0);
        "/etc/shadow"u8.CopyTo(bytes.AsSpan(header.Length));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), (ulong)header.Length);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(16), 11);
        File.WriteAllBytes(Images("top.qcow2"), bytes);
        Assert.Contains("names backing file \"/etc/shadow\", which resolves to /etc/shadow, outside the root", Refused("top.qcow2").Message, StringComparison.Ordinal);
    }

    /// <summary>Seeded random corruptions of a chain's files: a resolved disk or a bad-input refusal naming the field, never another exception.</summary>
    [Fact]
    public void Corrupted_chains_only_ever_fail_as_bad_input()
    {
        var random = new Random(112926);
        var good = new[]
        {
            Qcow2Bytes.BackedBy("base.qcow2").Build(),
            new Qcow2Bytes { Backing = "base.raw", BackingFormat = "raw", DataFile = Images("data.raw") }.Build(),
        };
        Qcow2Bytes.BackedBy("base.raw", "raw").WriteTo(Images("base.qcow2"));
        var outcomes = new int[2];
        for (var i = 0; i < 2000; i++)
        {
            var bytes = (byte[])good[random.Next(good.Length)].Clone();
            for (var flips = random.Next(0, 3); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            var length = random.Next(4) == 0 ? random.Next(bytes.Length + 1) : bytes.Length;
            File.WriteAllBytes(Images("top.qcow2"), bytes.AsSpan(0, length).ToArray());
            try
            {
                LaunchPreflight.ResolveBoot(Boot("top.qcow2", "qcow2"), Root);
                outcomes[0]++;
            }
            catch (PreflightException e) when (e.IsBadInput && e.Message.StartsWith("spec.boot.disk.image: \"top.qcow2\" ", StringComparison.Ordinal))
            {
                outcomes[1]++;
            }
        }

        Assert.All(outcomes, n => Assert.True(n > 100, string.Join(",", outcomes))); // both outcomes are reached
    }

    private static BootFiles Boot(string image, string? format) => new() { Disk = new DiskImage { Image = image, Format = format } };

    private CommandLine.ResolvedBoot Resolve(string image, string? format) => LaunchPreflight.ResolveBoot(Boot(image, format), Root);

    private PreflightException Refused(string image)
    {
        var e = Assert.Throws<PreflightException>(() => LaunchPreflight.ResolveBoot(Boot(image, "qcow2"), Root));
        Assert.True(e.IsBadInput);
        Assert.StartsWith($"spec.boot.disk.image: \"{image}\" ", e.Message, StringComparison.Ordinal);
        return e;
    }

    private string Images(params string[] parts) => Path.Combine([_dir, "images", .. parts]);

    private string Fill(string text) => text.Replace("{dir}", _dir, StringComparison.Ordinal).Replace("{root}", Images(), StringComparison.Ordinal);
}
