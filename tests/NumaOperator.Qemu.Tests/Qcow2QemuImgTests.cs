using System.Diagnostics;
using System.Text.Json.Nodes;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Preflight;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Qemu.Tests;

/// <summary>
/// Images made by the real qemu-img (qemu-utils): pre-flight accepts the chains QEMU opens inside the image root and
/// refuses those it would follow outside. Each refused case first shows with qemu-io that QEMU really reads the host
/// file through the image, so the test proves a real escape is closed, not a made-up one.
/// </summary>
public sealed class Qcow2QemuImgTests : IDisposable
{
    private const string Secret = "HOST-SECRET-BYTES";
    private readonly string _dir = Directory.CreateTempSubdirectory("numaop-qemu-img-").FullName;

    public Qcow2QemuImgTests()
    {
        Directory.CreateDirectory(Images("vm"));
        var secret = new byte[1 << 20];
        System.Text.Encoding.ASCII.GetBytes(Secret).CopyTo(secret, 0);
        File.WriteAllBytes(Path.Combine(_dir, "secret.raw"), secret);
    }

    private static bool HasQemuImg => HostCapabilities.FindOnPath("qemu-img") is not null && HostCapabilities.FindOnPath("qemu-io") is not null;

    private ImageRoot Root => new(Images());

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>raw ← qcow2 (absolute name) ← qcow2 (relative "../"): accepted, and every file qemu-img opens for it is inside the root.</summary>
    [SkippableFact]
    public void Chain_inside_the_root_is_accepted_and_qemu_agrees()
    {
        Skip.IfNot(HasQemuImg, "needs qemu-img and qemu-io (apt-get install qemu-utils)");
        QemuImg("create", "-f", "raw", Images("base.raw"), "1M");
        QemuImg("create", "-f", "qcow2", "-b", Images("base.raw"), "-F", "raw", Images("mid.qcow2"));
        QemuImg("create", "-f", "qcow2", "-b", "../mid.qcow2", "-F", "qcow2", Images("vm", "top.qcow2"));

        Assert.Equal("qcow2", Resolve("vm/top.qcow2").DiskFormat);
        var chain = JsonNode.Parse(QemuImg("info", "--backing-chain", "--output=json", Images("vm", "top.qcow2")))!.AsArray();
        // QEMU's names: the parent's directory joined with the backing name, unnormalized (path_combine), as pre-flight models them.
        Assert.Equal([Images("vm", "top.qcow2"), Images("vm", "..", "mid.qcow2"), Images("base.raw")], chain.Select(i => i!["filename"]!.GetValue<string>()));
    }

    [SkippableFact]
    public void Relative_escape_is_refused()
    {
        Skip.IfNot(HasQemuImg, "needs qemu-img and qemu-io (apt-get install qemu-utils)");
        QemuImg("create", "-f", "qcow2", "-b", "../../secret.raw", "-F", "raw", Images("vm", "top.qcow2"));
        AssertQemuReadsTheSecret(Images("vm", "top.qcow2"));
        AssertRefused("vm/top.qcow2", $"names backing file \"../../secret.raw\", which resolves to {_dir}/secret.raw, outside the root: backing files must resolve inside the image root {Images()}");
    }

    [SkippableFact]
    public void Absolute_escape_is_refused()
    {
        Skip.IfNot(HasQemuImg, "needs qemu-img and qemu-io (apt-get install qemu-utils)");
        QemuImg("create", "-f", "qcow2", "-b", Path.Combine(_dir, "secret.raw"), "-F", "raw", Images("top.qcow2"));
        AssertQemuReadsTheSecret(Images("top.qcow2"));
        AssertRefused("top.qcow2", $"names backing file \"{_dir}/secret.raw\", which resolves to {_dir}/secret.raw, outside the root");
    }

    [SkippableFact]
    public void Symlink_escape_is_refused()
    {
        Skip.IfNot(HasQemuImg, "needs qemu-img and qemu-io (apt-get install qemu-utils)");
        File.CreateSymbolicLink(Images("innocent.raw"), Path.Combine(_dir, "secret.raw"));
        QemuImg("create", "-f", "qcow2", "-b", "innocent.raw", "-F", "raw", Images("top.qcow2"));
        AssertQemuReadsTheSecret(Images("top.qcow2"));
        AssertRefused("top.qcow2", $"names backing file \"innocent.raw\", which resolves to {_dir}/secret.raw, outside the root");
    }

    /// <summary>The escape one level down: a good-looking top whose qcow2 backing file names the host file.</summary>
    [SkippableFact]
    public void Escape_deeper_in_the_chain_is_refused()
    {
        Skip.IfNot(HasQemuImg, "needs qemu-img and qemu-io (apt-get install qemu-utils)");
        QemuImg("create", "-f", "qcow2", "-b", "../secret.raw", "-F", "raw", Images("base.qcow2"));
        QemuImg("create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", Images("top.qcow2"));
        AssertQemuReadsTheSecret(Images("top.qcow2"));
        AssertRefused("top.qcow2", $"backing file {Images("base.qcow2")} names backing file \"../secret.raw\", which resolves to {_dir}/secret.raw, outside the root");
    }

    /// <summary>
    /// qemu-img 7.2 refuses to write a backing file without its format, but older tools did and a header can be edited:
    /// with the extension gone QEMU probes the backing file, finds qcow2 and follows it out of the root.
    /// </summary>
    [SkippableFact]
    public void Probed_backing_format_is_refused()
    {
        Skip.IfNot(HasQemuImg, "needs qemu-img and qemu-io (apt-get install qemu-utils)");
        QemuImg("create", "-f", "qcow2", "-b", "../secret.raw", "-F", "raw", Images("looks-raw.img"));
        QemuImg("create", "-f", "qcow2", "-b", "looks-raw.img", "-F", "qcow2", Images("top.qcow2"));
        RenameExtension(Images("top.qcow2"), Qcow2Bytes.BackingFormatExtension, 0x4e4f4e45);
        Assert.DoesNotContain("backing-filename-format", QemuImg("info", "--output=json", Images("top.qcow2")), StringComparison.Ordinal);
        AssertQemuReadsTheSecret(Images("top.qcow2"));
        AssertRefused("top.qcow2", "names backing file \"looks-raw.img\" without a backing format; QEMU would probe its format");
    }

    [SkippableFact]
    public void Loop_is_refused()
    {
        Skip.IfNot(HasQemuImg, "needs qemu-img and qemu-io (apt-get install qemu-utils)");
        QemuImg("create", "-f", "qcow2", "-u", "-b", "b.qcow2", "-F", "qcow2", Images("a.qcow2"), "1M");
        QemuImg("create", "-f", "qcow2", "-u", "-b", "a.qcow2", "-F", "qcow2", Images("b.qcow2"), "1M");
        AssertRefused("a.qcow2", $"names backing file \"a.qcow2\", which is {Images("a.qcow2")} again: the backing chain loops");
    }

    [SkippableFact]
    public void Data_files_outside_the_root_or_relative_are_refused_and_inside_accepted()
    {
        Skip.IfNot(HasQemuImg, "needs qemu-img and qemu-io (apt-get install qemu-utils)");
        QemuImg("create", "-f", "qcow2", "-o", "data_file=" + Images("data.raw"), Images("good.qcow2"), "1M");
        Assert.Equal(Images("good.qcow2"), Resolve("good.qcow2").DiskPath);

        QemuImg("create", "-f", "qcow2", "-o", "data_file=" + Path.Combine(_dir, "outside-data.raw"), Images("outside.qcow2"), "1M");
        AssertRefused("outside.qcow2", $"names external data file \"{_dir}/outside-data.raw\", which resolves to {_dir}/outside-data.raw, outside the root: data files must resolve inside the image root {Images()}");

        QemuImgIn(Images(), "create", "-f", "qcow2", "-o", "data_file=" + Path.Combine("vm", "data.raw"), Images("relative.qcow2"), "1M");
        AssertRefused("relative.qcow2", "names external data file \"vm/data.raw\", a relative name QEMU 7.2 opens against its own working directory");
    }

    /// <summary>
    /// A relative backing name is combined with the name QEMU opened its parent by, not the parent's symlink target:
    /// qemu-img fails on the same chain pre-flight refuses, and finds the file where pre-flight looks for it.
    /// </summary>
    [SkippableFact]
    public void Relative_names_resolve_where_qemu_resolves_them()
    {
        Skip.IfNot(HasQemuImg, "needs qemu-img and qemu-io (apt-get install qemu-utils)");
        QemuImg("create", "-f", "raw", Images("vm", "base.raw"), "1M");
        QemuImg("create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", Images("vm", "mid.qcow2"));
        File.CreateSymbolicLink(Images("mid-link.qcow2"), Images("vm", "mid.qcow2"));
        QemuImg("create", "-f", "qcow2", "-u", "-b", "mid-link.qcow2", "-F", "qcow2", Images("top.qcow2"), "1M");

        Assert.NotEqual(0, Run("qemu-img", Images(), "info", "--backing-chain", Images("top.qcow2")).ExitCode);
        AssertRefused("top.qcow2", $"backing file {Images("mid-link.qcow2")} names backing file \"base.raw\", which does not exist");

        QemuImg("create", "-f", "raw", Images("base.raw"), "1M");
        Assert.Equal(0, Run("qemu-img", Images(), "info", "--backing-chain", Images("top.qcow2")).ExitCode);
        Assert.Equal(Images("top.qcow2"), Resolve("top.qcow2").DiskPath);
    }

    private static void RenameExtension(string path, uint from, uint to)
    {
        var bytes = File.ReadAllBytes(path);
        Span<byte> needle = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(needle, from);
        var at = bytes.AsSpan(0, 4096).IndexOf(needle);
        Assert.True(at >= 104, "the extension is where qemu-img writes it, after the v3 header");
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at), to);
        File.WriteAllBytes(path, bytes);
    }

    private void AssertQemuReadsTheSecret(string image)
    {
        var read = Run("qemu-io", _dir, "-f", "qcow2", "-r", "-c", "read -v 0 32", image);
        Assert.True(read.ExitCode == 0, read.Output);
        Assert.Contains("48 4f 53 54 2d 53 45 43", read.Output, StringComparison.Ordinal); // "HOST-SEC": QEMU read the host file
    }

    private void AssertRefused(string image, string problem)
    {
        var e = Assert.Throws<PreflightException>(() => Resolve(image));
        Assert.True(e.IsBadInput);
        Assert.StartsWith($"spec.boot.disk.image: \"{image}\" ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    private CommandLine.ResolvedBoot Resolve(string image) =>
        LaunchPreflight.ResolveBoot(new BootFiles { Disk = new DiskImage { Image = image, Format = "qcow2" } }, Root);

    private string QemuImg(params string[] args) => QemuImgIn(_dir, args);

    private static string QemuImgIn(string workingDirectory, params string[] args)
    {
        var result = Run("qemu-img", workingDirectory, args);
        Assert.True(result.ExitCode == 0, $"qemu-img {string.Join(' ', args)}: {result.Output}");
        return result.Output;
    }

    private static (int ExitCode, string Output) Run(string program, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.GetAwaiter().GetResult());
    }

    private string Images(params string[] parts) => Path.Combine([_dir, "images", .. parts]);
}
