using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Disks;
using NumaOperator.Qemu.Preflight;

namespace NumaOperator.Qemu.Tests.Disks;

/// <summary>
/// A VM's disk dir: the root overlay is created once and kept (stop/start, agent restart), replaced only when the
/// spec names another base; data disks are created once; the seed is rewritten only when its inputs change; removing
/// the dir removes them all. The base image is only read.
/// </summary>
public sealed class VmDiskStoreTests : IDisposable
{
    private static readonly Guid Uid = Guid.Parse("6c3f1b2a-9d8e-4f70-8a1b-2c3d4e5f6a7b");
    private readonly string dir = Directory.CreateTempSubdirectory("numaop-vm-disks-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private VmDiskPaths Paths => new(Path.Combine(dir, "disks", Uid.ToString("D")));

    private string BaseImage(string name, int bytes = 1 << 20)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, new byte[bytes]);
        return path;
    }

    private VmDiskPlan Plan(string? basePath, SeedFiles? seed = null, params DataDisk[] data) =>
        VmDiskPlan.For(
            new ResolvedBoot("/images/vmlinuz", null, null, basePath, basePath is null ? null : "raw"),
            new VmDiskRequest("default", data, seed),
            Uid,
            "vm1",
            Paths,
            basePath is null ? 0 : VmDiskStore.BaseSize(basePath, "raw"));

    [Fact]
    public void Overlay_decision_creates_keeps_on_the_same_base_and_replaces_on_another()
    {
        var wanted = new RootOverlay("/images/a.raw", "raw", 1 << 20, "/state/disks/u/root.qcow2");

        Assert.Equal(OverlayAction.Create, OverlayDecision.Decide(null, wanted));
        Assert.Equal(OverlayAction.Keep, OverlayDecision.Decide(new Qcow2Header(3, "/images/a.raw", "raw", null, false), wanted));
        Assert.Equal(OverlayAction.Replace, OverlayDecision.Decide(new Qcow2Header(3, "/images/b.raw", "raw", null, false), wanted));
        Assert.Equal(OverlayAction.Replace, OverlayDecision.Decide(new Qcow2Header(3, "/images/a.raw", "qcow2", null, false), wanted));
    }

    [Fact]
    public void The_plan_puts_the_overlay_in_place_of_the_base_then_data_disks_then_the_read_only_seed()
    {
        var plan = Plan(BaseImage("base.raw"), new SeedFiles("#cloud-config\n", null), new DataDisk("logs", 1 << 30), new DataDisk("db", 2L << 30));

        var boot = plan.AttachTo(new ResolvedBoot("/k", null, null, "/images/base.raw", "raw"));
        Assert.Equal((Paths.RootOverlay, "qcow2"), (boot.DiskPath, boot.DiskFormat));
        Assert.Equal(
            [new VmDrive(Paths.DataDisk("logs"), "qcow2", false), new VmDrive(Paths.DataDisk("db"), "qcow2", false), new VmDrive(Paths.Seed, "raw", true)],
            plan.Drives);
    }

    [Fact]
    public void Without_a_boot_disk_there_is_no_overlay_and_the_boot_is_unchanged()
    {
        var plan = Plan(null);
        var boot = new ResolvedBoot("/k", null, null, null, null);

        Assert.Null(plan.Root);
        Assert.Same(boot, plan.AttachTo(boot));
        Assert.Empty(plan.Drives);
    }

    [Fact]
    public void Disks_are_created_once_kept_across_starts_and_the_base_is_never_written()
    {
        var basePath = BaseImage("base.raw", 3 << 20);
        var baseBytes = File.ReadAllBytes(basePath);
        var plan = Plan(basePath, new SeedFiles("#!/bin/sh\necho hi\n", null), new DataDisk("data", 16L << 20));

        var first = VmDiskStore.Materialize(plan);
        Assert.Equal(["Create", "Create", "Create"], first.Select(o => o.Action));
        Assert.Equal(3L << 20, first[0].SizeBytes);
        File.AppendAllText(Paths.RootOverlay, "guest wrote this"); // stands for what the guest wrote while it ran
        File.AppendAllText(Paths.DataDisk("data"), "guest data");
        var overlay = File.ReadAllBytes(Paths.RootOverlay);
        var data = File.ReadAllBytes(Paths.DataDisk("data"));

        var second = VmDiskStore.Materialize(plan);
        Assert.Equal(["Keep", "Keep", "Keep"], second.Select(o => o.Action));
        Assert.Equal(overlay, File.ReadAllBytes(Paths.RootOverlay));
        Assert.Equal(data, File.ReadAllBytes(Paths.DataDisk("data")));
        Assert.Equal(baseBytes, File.ReadAllBytes(basePath));
    }

    [Fact]
    public void A_changed_seed_is_rewritten_and_a_new_base_gets_a_new_overlay()
    {
        var basePath = BaseImage("base.raw");
        VmDiskStore.Materialize(Plan(basePath, new SeedFiles("one", null)));

        var changed = VmDiskStore.Materialize(Plan(basePath, new SeedFiles("two", null)));
        Assert.Equal(["Keep", "Create"], changed.Select(o => o.Action));
        var other = VmDiskStore.Materialize(Plan(BaseImage("other.raw", 2 << 20), new SeedFiles("two", null)));
        Assert.Equal(["Replace", "Keep"], other.Select(o => o.Action));
        Assert.Equal(2L << 20, Qcow2ImageWriter.VirtualSize(File.ReadAllBytes(Paths.RootOverlay)));
    }

    [Fact]
    public void An_unreadable_overlay_is_an_error_and_is_kept_as_it_is()
    {
        var plan = Plan(BaseImage("base.raw"));
        Directory.CreateDirectory(Paths.Directory);
        File.WriteAllText(Paths.RootOverlay, "not a qcow2");

        var e = Assert.Throws<VmDiskException>(() => VmDiskStore.Materialize(plan));
        Assert.Contains("is not a readable qcow2", e.Message, StringComparison.Ordinal);
        Assert.Equal("not a qcow2", File.ReadAllText(Paths.RootOverlay));
    }

    [Fact]
    public void Removing_the_disks_removes_the_whole_disk_dir_and_a_missing_one_is_fine()
    {
        VmDiskStore.Materialize(Plan(BaseImage("base.raw"), null, new DataDisk("data", 1 << 20)));

        VmDiskStore.Remove(Paths);
        Assert.False(Directory.Exists(Paths.Directory));
        VmDiskStore.Remove(Paths);
    }

    [Fact]
    public void A_qcow2_base_is_sized_from_its_header_and_a_raw_one_rounded_up_to_whole_sectors()
    {
        var qcow2 = Path.Combine(dir, "base.qcow2");
        File.WriteAllBytes(qcow2, Qcow2ImageWriter.Build(5L << 30));

        Assert.Equal(5L << 30, VmDiskStore.BaseSize(qcow2, "qcow2"));
        Assert.Equal(1024, VmDiskStore.BaseSize(BaseImage("odd.raw", 1000), "raw"));
        Assert.Throws<VmDiskException>(() => VmDiskStore.BaseSize(BaseImage("fake.qcow2", 100), "qcow2"));
    }
}
