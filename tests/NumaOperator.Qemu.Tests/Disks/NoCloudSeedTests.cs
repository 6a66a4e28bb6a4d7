using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using NumaOperator.Qemu.Disks;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Qemu.Tests.Disks;

/// <summary>
/// The NoCloud seed: ISO 9660 with a Joliet volume labelled cidata, holding user-data, meta-data (instance-id = VM
/// uid, local-hostname = VM name) and network-config; read back by a reader written from ECMA-119, by blkid, and by
/// the Linux kernel (a loop mount, as root).
/// </summary>
public sealed class NoCloudSeedTests
{
    private static readonly Guid Uid = Guid.Parse("0b1f7c1e-6d2a-4a51-9d43-5a4d8c2e7f10");
    private static readonly SeedFiles Files = new("#cloud-config\nusers:\n  - name: alice\n", "version: 2\nethernets: {}\n");

    [Fact]
    public void The_seed_is_iso9660_with_a_joliet_volume_labelled_cidata()
    {
        var iso = NoCloudSeed.Build(Files, Uid, "web-1");

        Assert.Equal(0, iso.Length % Iso9660Image.SectorBytes);
        var primary = Sector(iso, 16);
        Assert.Equal(1, primary[0]);
        Assert.Equal("CD001", Encoding.ASCII.GetString(primary.Slice(1, 5)));
        Assert.Equal("cidata", Encoding.ASCII.GetString(primary.Slice(40, 32)).TrimEnd());
        Assert.Equal(iso.Length / Iso9660Image.SectorBytes, BinaryPrimitives.ReadInt32LittleEndian(primary[80..]));
        var joliet = Sector(iso, 17);
        Assert.Equal(2, joliet[0]);
        Assert.Equal("%/E", Encoding.ASCII.GetString(joliet.Slice(88, 3)));
        Assert.Equal("cidata", Encoding.BigEndianUnicode.GetString(joliet.Slice(40, 32)).TrimEnd());
        Assert.Equal(255, Sector(iso, 18)[0]);
    }

    [Fact]
    public void Joliet_names_keep_user_data_meta_data_and_network_config_with_their_contents()
    {
        var iso = NoCloudSeed.Build(Files, Uid, "web-1");

        var files = JolietRoot(iso);
        Assert.Equal(["meta-data;1", "network-config;1", "user-data;1"], files.Keys);
        Assert.Equal(Files.UserData, files["user-data;1"]);
        Assert.Equal(Files.NetworkConfig, files["network-config;1"]);
        Assert.Equal($"instance-id: {Uid}\nlocal-hostname: web-1\n", files["meta-data;1"]);
    }

    [Fact]
    public void Without_network_data_there_is_no_network_config_file()
    {
        var files = JolietRoot(NoCloudSeed.Build(Files with { NetworkConfig = null }, Uid, "web-1"));

        Assert.Equal(["meta-data;1", "user-data;1"], files.Keys);
    }

    [Fact]
    public void The_same_inputs_give_the_same_bytes_and_any_change_gives_other_bytes()
    {
        var seed = NoCloudSeed.Build(Files, Uid, "web-1");

        Assert.Equal(seed, NoCloudSeed.Build(Files with { }, Uid, "web-1"));
        Assert.NotEqual(seed, NoCloudSeed.Build(Files with { UserData = Files.UserData + "#" }, Uid, "web-1"));
        Assert.NotEqual(seed, NoCloudSeed.Build(Files, Guid.NewGuid(), "web-1"));
        Assert.NotEqual(seed, NoCloudSeed.Build(Files, Uid, "web-2"));
    }

    [Fact]
    public void A_file_larger_than_a_sector_is_stored_whole()
    {
        var big = new string('x', 5000) + "\nend\n";

        Assert.Equal(big, JolietRoot(NoCloudSeed.Build(new SeedFiles(big, null), Uid, "web-1"))["user-data;1"]);
    }

    [SkippableFact]
    public void Blkid_sees_an_iso9660_filesystem_labelled_cidata()
    {
        Skip.IfNot(HostCapabilities.FindOnPath("blkid") is not null || File.Exists("/usr/sbin/blkid"), "needs blkid (util-linux)");
        var path = Path.Combine(Path.GetTempPath(), "numaop-seed-" + Guid.NewGuid().ToString("N") + ".iso");
        File.WriteAllBytes(path, NoCloudSeed.Build(Files, Uid, "web-1"));
        try
        {
            var output = Run(File.Exists("/usr/sbin/blkid") ? "/usr/sbin/blkid" : "blkid", "-p", "-o", "export", path);
            Assert.Contains("TYPE=iso9660", output, StringComparison.Ordinal);
            Assert.Contains("LABEL=cidata", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [SkippableFact]
    public void Linux_mounts_the_seed_and_shows_the_cloud_init_file_names()
    {
        Skip.IfNot(HostCapabilities.IsRoot && HostCapabilities.IsLinux, "needs root (loop mount)");
        Skip.IfNot(File.ReadAllText("/proc/filesystems").Contains("iso9660", StringComparison.Ordinal), "the host kernel has no iso9660 filesystem loaded (modprobe isofs); the test guest reads the seed instead");
        var dir = Directory.CreateTempSubdirectory("numaop-seed-mount-").FullName;
        var path = Path.Combine(dir, "seed.iso");
        var mountPoint = Directory.CreateDirectory(Path.Combine(dir, "mnt")).FullName;
        File.WriteAllBytes(path, NoCloudSeed.Build(Files, Uid, "web-1"));
        try
        {
            ChildProcess.Check("mount", "-o", "loop,ro", "-t", "iso9660", path, mountPoint);
            try
            {
                Assert.Equal(["meta-data", "network-config", "user-data"], Directory.GetFiles(mountPoint).Select(Path.GetFileName).Order(StringComparer.Ordinal));
                Assert.Equal(Files.UserData, File.ReadAllText(Path.Combine(mountPoint, "user-data")));
                Assert.Contains($"instance-id: {Uid}", File.ReadAllText(Path.Combine(mountPoint, "meta-data")), StringComparison.Ordinal);
            }
            finally
            {
                ChildProcess.Check("umount", mountPoint);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static ReadOnlySpan<byte> Sector(byte[] iso, int sector) => iso.AsSpan(sector * Iso9660Image.SectorBytes, Iso9660Image.SectorBytes);

    /// <summary>The root directory of the Joliet volume (ECMA-119 9.1 records, UCS-2 big-endian names): name → content.</summary>
    private static SortedDictionary<string, string> JolietRoot(byte[] iso)
    {
        var joliet = Sector(iso, 17);
        var root = joliet.Slice(156, 34);
        var extent = BinaryPrimitives.ReadInt32LittleEndian(root[2..]);
        var length = BinaryPrimitives.ReadInt32LittleEndian(root[10..]);
        var directory = iso.AsSpan(extent * Iso9660Image.SectorBytes, length);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var offset = 0; offset < directory.Length && directory[offset] != 0; offset += directory[offset])
        {
            var record = directory.Slice(offset, directory[offset]);
            var nameLength = record[32];
            if ((record[25] & 2) != 0)
            {
                continue; // "." and ".."
            }

            var name = Encoding.BigEndianUnicode.GetString(record.Slice(33, nameLength));
            var start = BinaryPrimitives.ReadInt32LittleEndian(record[2..]);
            var size = BinaryPrimitives.ReadInt32LittleEndian(record[10..]);
            Assert.Equal(start, BinaryPrimitives.ReadInt32BigEndian(record[6..]));
            files[name] = Encoding.UTF8.GetString(iso, start * Iso9660Image.SectorBytes, size);
        }

        return files;
    }

    private static string Run(string program, params string[] args)
    {
        using var process = Process.Start(ChildProcess.Start(program, args))!;
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} exited {process.ExitCode}");
        return stdout;
    }
}
