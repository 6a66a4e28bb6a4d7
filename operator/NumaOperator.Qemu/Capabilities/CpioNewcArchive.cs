using System.Globalization;
using System.Text;

namespace NumaOperator.Qemu.Capabilities;

/// <summary>
/// Writes a cpio "newc" archive, the format the Linux kernel unpacks as its initramfs: entries in order, each a
/// 110-byte ASCII header, the NUL-terminated name and the data, both padded to 4 bytes, closed by "TRAILER!!!".
/// </summary>
public sealed class CpioNewcArchive
{
    private const int DirectoryMode = 0x4000;
    private const int CharacterDeviceMode = 0x2000;
    private const int RegularFileMode = 0x8000;

    private readonly List<byte> _archive = [];
    private int _inode;

    /// <param name="permissions">Unix permission bits, e.g. 0x1ed for 0755.</param>
    public CpioNewcArchive Directory(string name, int permissions = 0x1ed) =>
        Append(name, DirectoryMode | permissions, [], 0, 0, links: 2);

    public CpioNewcArchive CharacterDevice(string name, int major, int minor, int permissions = 0x180) =>
        Append(name, CharacterDeviceMode | permissions, [], major, minor, links: 1);

    public CpioNewcArchive File(string name, ReadOnlySpan<byte> data, int permissions = 0x1ed) =>
        Append(name, RegularFileMode | permissions, data, 0, 0, links: 1);

    /// <summary>The archive with its trailer; the builder is finished after this.</summary>
    public byte[] Build()
    {
        _inode = -1; // the trailer's inode is 0
        Append("TRAILER!!!", 0, [], 0, 0, links: 0);
        return _archive.ToArray();
    }

    private CpioNewcArchive Append(string name, int mode, ReadOnlySpan<byte> data, int rdevMajor, int rdevMinor, int links)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name + "\0");
        int[] fields = [++_inode, mode, 0, 0, links, 0, data.Length, 0, 0, rdevMajor, rdevMinor, nameBytes.Length, 0];
        var header = new StringBuilder("070701");
        foreach (var field in fields)
        {
            header.Append(field.ToString("X8", CultureInfo.InvariantCulture));
        }

        _archive.AddRange(Encoding.ASCII.GetBytes(header.ToString()));
        _archive.AddRange(nameBytes);
        Pad();
        _archive.AddRange(data);
        Pad();
        return this;
    }

    private void Pad()
    {
        while (_archive.Count % 4 != 0)
        {
            _archive.Add(0);
        }
    }
}
