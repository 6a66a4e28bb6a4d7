using NumaOperator.Qemu.CommandLine;

namespace NumaOperator.Qemu.Tests.Disks;

/// <summary>The VM's own disks on QEMU's command line: root overlay as vda, data disks, then the seed read-only.</summary>
public sealed class DriveArgvTests
{
    [Fact]
    public void Data_disks_and_the_seed_follow_the_root_disk_in_order_and_only_the_seed_is_read_only()
    {
        var spec = TestSpecs.TwoNodeRam() with
        {
            ExtraDrives = [new VmDrive("/state/disks/u/data-logs.qcow2", "qcow2", false), new VmDrive("/state/disks/u/cidata.iso", "raw", true)],
        };

        var argv = QemuArgvBuilder.Build("/q", spec, TestSpecs.Qemu90);

        var drives = argv.Zip(argv.Skip(1)).Where(p => p.First == "-drive").Select(p => p.Second).ToArray();
        Assert.Equal(
            [
                "file=/var/lib/numa-operator/images/disk,,1.qcow2,format=qcow2,if=virtio",
                "file=/state/disks/u/data-logs.qcow2,format=qcow2,if=virtio",
                "file=/state/disks/u/cidata.iso,format=raw,if=virtio,readonly=on",
            ],
            drives);
    }
}
