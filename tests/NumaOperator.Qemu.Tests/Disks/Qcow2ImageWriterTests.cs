using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using NumaOperator.Qemu.Disks;
using NumaOperator.Qemu.Preflight;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Qemu.Tests.Disks;

/// <summary>
/// The qcow2 files the agent writes itself (no qemu-img in its image): the real qemu-img reads them as it reads its
/// own (qemu-img check finds nothing wrong), and qemu-io writes through an overlay without touching its base.
/// </summary>
public sealed class Qcow2ImageWriterTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("numaop-qcow2-writer-").FullName;

    private static bool HasQemuImg => HostCapabilities.FindOnPath("qemu-img") is not null && HostCapabilities.FindOnPath("qemu-io") is not null;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void An_overlay_header_names_its_base_and_format_as_qemu_reads_them()
    {
        var bytes = Qcow2ImageWriter.Build(64L << 20, "/images/debian.raw", "raw");

        Assert.True(Qcow2Header.TryParse(bytes.AsSpan(0, Qcow2ImageWriter.ClusterBytes), out var header, out var error), error);
        Assert.Equal(3, header.Version);
        Assert.Equal("/images/debian.raw", header.BackingFile);
        Assert.Equal("raw", header.BackingFormat);
        Assert.False(header.HasExternalDataFile);
        Assert.Equal(64L << 20, Qcow2ImageWriter.VirtualSize(bytes));
    }

    [Fact]
    public void Sizes_that_are_not_whole_sectors_and_a_backing_file_without_format_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Qcow2ImageWriter.Build(1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => Qcow2ImageWriter.Build(0));
        Assert.Throws<ArgumentException>(() => Qcow2ImageWriter.Build(1 << 20, "/images/base.raw", null));
    }

    [SkippableFact]
    public void Qemu_img_checks_an_empty_data_disk_clean_with_its_size()
    {
        Skip.IfNot(HasQemuImg, "needs qemu-img and qemu-io (apt-get install qemu-utils)");
        var disk = Path.Combine(dir, "data.qcow2");
        File.WriteAllBytes(disk, Qcow2ImageWriter.Build(3L << 40)); // 3 TiB: an L1 table of 6144 entries

        Run("qemu-img", "check", disk);
        var info = JsonNode.Parse(Run("qemu-img", "info", "--output=json", disk))!;
        Assert.Equal("qcow2", info["format"]!.GetValue<string>());
        Assert.Equal(3L << 40, info["virtual-size"]!.GetValue<long>());
        Assert.Null(info["backing-filename"]);
        Assert.True(new FileInfo(disk).Length < 1 << 20, "the file holds metadata only");
    }

    [SkippableFact]
    public void Writes_through_an_overlay_land_in_the_overlay_and_leave_the_base_unchanged()
    {
        Skip.IfNot(HasQemuImg, "needs qemu-img and qemu-io (apt-get install qemu-utils)");
        var baseImage = Path.Combine(dir, "base.raw");
        var content = new byte[4 << 20];
        Random.Shared.NextBytes(content);
        File.WriteAllBytes(baseImage, content);
        var before = SHA256.HashData(content);
        var first = Path.Combine(dir, "vm1.qcow2");
        var second = Path.Combine(dir, "vm2.qcow2");
        File.WriteAllBytes(first, Qcow2ImageWriter.Build(content.Length, baseImage, "raw"));
        File.WriteAllBytes(second, Qcow2ImageWriter.Build(content.Length, baseImage, "raw"));

        Run("qemu-io", "-f", "qcow2", "-c", "write -P 0xab 65536 65536", first);
        Run("qemu-img", "check", first);

        var expected = (byte[])content.Clone();
        expected.AsSpan(65536, 65536).Fill(0xab);
        Assert.Equal(SHA256.HashData(expected), SHA256.HashData(GuestView(first)));
        Assert.Equal(before, SHA256.HashData(GuestView(second)));
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(baseImage)));
        var info = JsonNode.Parse(Run("qemu-img", "info", "--output=json", first))!;
        Assert.Equal(baseImage, info["backing-filename"]!.GetValue<string>());
        Assert.Equal("raw", info["backing-filename-format"]!.GetValue<string>());
    }

    /// <summary>The disk as the guest sees it, as QEMU reads it through the image (qemu-img convert), so overlay and base are both consulted.</summary>
    private byte[] GuestView(string image)
    {
        var output = Path.Combine(dir, "view-" + Guid.NewGuid().ToString("N") + ".raw");
        Run("qemu-img", "convert", "-f", "qcow2", "-O", "raw", image, output);
        return File.ReadAllBytes(output);
    }

    private static string Run(string program, params string[] args)
    {
        using var process = Process.Start(ChildProcess.Start(program, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} exited {process.ExitCode}: {stderr}{stdout.Result}");
        return stdout.Result;
    }
}
