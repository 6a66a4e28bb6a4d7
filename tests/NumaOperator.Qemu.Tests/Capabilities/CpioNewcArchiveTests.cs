using System.Text;
using NumaOperator.Qemu.Capabilities;

namespace NumaOperator.Qemu.Tests.Capabilities;

/// <summary>The initramfs format the kernel unpacks (Documentation/driver-api/early-userspace/buffer-format.rst).</summary>
public sealed class CpioNewcArchiveTests
{
    [Fact]
    public void Each_entry_is_a_newc_header_then_name_and_data_padded_to_4_bytes_and_the_archive_ends_with_the_trailer()
    {
        var archive = new CpioNewcArchive().File("init", "abcde"u8, permissions: 0x1ed).Build();
        var text = Encoding.ASCII.GetString(archive);

        // magic, ino 1, mode 0100755, uid, gid, nlink 1, mtime, filesize 5, devmajor, devminor, rdevmajor, rdevminor, namesize 5, check
        var header = "070701" + Hex(1, 0x81ed, 0, 0, 1, 0, 5, 0, 0, 0, 0, 5, 0);
        Assert.StartsWith(header + "init\0" + "\0" + "abcde\0\0\0", text, StringComparison.Ordinal);
        Assert.Equal(0, archive.Length % 4);
        var trailer = text[(110 + 6 + 8)..];
        Assert.StartsWith("070701" + "00000000", trailer, StringComparison.Ordinal);
        Assert.Contains("TRAILER!!!\0", trailer, StringComparison.Ordinal);
    }

    [Fact]
    public void The_boot_probe_initramfs_holds_dev_dev_console_and_an_executable_init()
    {
        var text = Encoding.ASCII.GetString(BootProbeInitramfs.Build());

        Assert.Contains("000041ED", text, StringComparison.Ordinal); // dev: directory 0755
        Assert.Contains("dev/console\0", text, StringComparison.Ordinal);
        // mode 020600 (character device 0600), uid, gid, nlink 1, mtime, filesize, devmajor, devminor, rdev 5:1
        Assert.Contains(Hex(0x2180, 0, 0, 1, 0, 0, 0, 0, 5, 1), text, StringComparison.Ordinal);
        Assert.Contains("init\0", text, StringComparison.Ordinal);
        Assert.Contains(BootProbeInitramfs.Marker, text, StringComparison.Ordinal);
    }

    private static string Hex(params int[] fields) =>
        string.Concat(fields.Select(f => f.ToString("X8", System.Globalization.CultureInfo.InvariantCulture)));
}
