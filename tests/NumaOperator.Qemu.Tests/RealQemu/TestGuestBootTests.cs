using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Qemu.Tests.RealQemu;

/// <summary>
/// The test Linux guest (tests/guest) that the end-to-end tests of networking, consoles, disks and restarts boot: in
/// the project's own QEMU argv it boots Debian's kernel, loads its virtio modules, mounts its disk and says so on
/// the serial port, so a failure there is told apart from a failure of the feature a test is about.
/// </summary>
[Collection(RealQemuTests.Name)]
public sealed class TestGuestBootTests(HugepageHost host) : IDisposable
{
    private readonly string _images = Directory.CreateTempSubdirectory("numaop-test-guest-").FullName;

    [SkippableFact]
    public async Task The_test_guest_boots_mounts_its_disk_writes_to_it_and_reports_ready()
    {
        Skip.IfNot(host.Available, HugepageHost.SkipReason);
        var boot = TestGuest.CopyInto(_images);
        var resolved = new ResolvedBoot(
            Path.Combine(_images, boot.Kernel), Path.Combine(_images, boot.Initrd), TestGuest.Cmdline("numaguest.write=proof"), Path.Combine(_images, boot.Disk), "raw");
        await using var vm = new QemuTestVm(PageSize.Normal, null, resolved, memoryBytes: 192L << 20);
        await vm.StartAsync();

        var serial = vm.Spec.State.SerialLog;
        await GuestSerial.WaitForMarkerAsync(serial, "READY", TimeSpan.FromSeconds(120));
        Assert.Contains("vda 67108864", GuestSerial.Markers(serial, "BLOCK"));
        Assert.Equal(["base.txt", "proof"], GuestSerial.Markers(serial, "DISK-FILES").Single().Split(' ', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    [SkippableFact]
    public async Task With_the_counter_on_the_guest_booted_from_its_uncompressed_kernel_prints_a_count_every_second_going_up_by_one_from_1()
    {
        Skip.IfNot(host.Available, HugepageHost.SkipReason);
        var boot = TestGuest.CopyInto(_images, uncompressedKernel: true);
        Assert.EndsWith("/vmlinux", boot.Kernel, StringComparison.Ordinal);
        var resolved = new ResolvedBoot(
            Path.Combine(_images, boot.Kernel), Path.Combine(_images, boot.Initrd), TestGuest.Cmdline(GuestCounter.Option), null, null);
        await using var vm = new QemuTestVm(PageSize.Normal, null, resolved, memoryBytes: 192L << 20);
        await vm.StartAsync();

        var serial = vm.Spec.State.SerialLog;
        await GuestSerial.WaitForMarkerAsync(serial, "READY", TimeSpan.FromSeconds(120));
        var counts = await Eventually.UntilAsync(
            () => Task.FromResult(GuestCounter.Counts(serial)),
            c => c.Count >= 4,
            TimeSpan.FromSeconds(30),
            "four NUMAGUEST-COUNT lines",
            describe: c => $"[{string.Join(", ", c)}]",
            context: () => string.Join('\n', GuestSerial.Lines(serial).TakeLast(20)));
        Assert.Equal(Enumerable.Range(1, counts.Count).Select(n => (long)n), counts);
    }

    public void Dispose() => Directory.Delete(_images, recursive: true);
}
