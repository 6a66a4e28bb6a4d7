using System.Text;
using NumaOperator.Numa.Discovery;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Tests.Shared;
using Xunit.Abstractions;

namespace NumaOperator.Qemu.Tests.RealQemu;

/// <summary>
/// The placement as the guest sees it: Debian's kernel boots in the project's own QEMU argv with two guest nodes and
/// reports, from inside, its NUMA nodes, their CPUs, memory and distances.
/// </summary>
[Collection(RealQemuTests.Name)]
public sealed class GuestNumaViewTests(HugepageHost host, ITestOutputHelper output)
{
    private const long Node0Bytes = 192L << 20;
    private const long Node1Bytes = 128L << 20;

    /// <summary>
    /// Guest node 1 holds no kernel, only its own page structs; node 0 also the kernel image and boot-time allocations
    /// (nokaslr on the command line keeps the kernel at its fixed low address, inside node 0, on every boot).
    /// </summary>
    private const long Node1ReservedAtMost = 16L << 20;

    private const long Node0ReservedAtMost = 80L << 20;

    /// <summary>The remote distance a one-node host's fixture SLIT gives: not Linux's default 20, so it can only come from -numa dist.</summary>
    private const int FixtureRemoteDistance = 17;

    [SkippableFact]
    public async Task A_booted_guest_sees_two_nodes_with_the_placed_vcpus_and_memory_and_the_host_distances()
    {
        Skip.IfNot(host.Available, HugepageHost.SkipReason);
        var kernel = GuestNumaView.Kernel();
        Skip.If(kernel is null, "needs a kernel image at /boot/vmlinuz-* to boot (apt-get install linux-image-amd64)");
        var busybox = GuestNumaView.StaticBusybox();
        Skip.If(busybox is null, "needs a static busybox for the guest's initramfs (apt-get install busybox-static)");

        // Two guest nodes of different sizes and vCPUs, on two host nodes when this host has them; a one-node host puts
        // both on node 0 and takes the distances from a two-node fixture SLIT (the guest must still see two nodes).
        var topology = new SysfsTopologyReader("/").ReadTopology();
        var hostNodes = topology.NumaNodes.Count >= 2 ? (topology.NumaNodes[0].Id, topology.NumaNodes[1].Id) : (topology.NumaNodes[0].Id, topology.NumaNodes[0].Id);
        GuestNodePlacement[] guestNodes =
        [
            new(0, hostNodes.Item1, CpuSet.Of(0), CpuSet.Empty, Node0Bytes),
            new(1, hostNodes.Item2, CpuSet.Of(1, 2), CpuSet.Empty, Node1Bytes),
        ];
        var distances = topology.NumaNodes.Count >= 2
            ? GuestNumaDistances.Of(new VmPlacement("local", PageSize.Normal, guestNodes), topology)
            : GuestNumaDistances.Of(new VmPlacement("local", PageSize.Normal, [guestNodes[0] with { HostNode = 0 }, guestNodes[1] with { HostNode = 1 }]), TwoNodeFixture());

        var images = Directory.CreateTempSubdirectory("numaop-guest-view-");
        try
        {
            var initramfs = Path.Combine(images.FullName, "initramfs.cpio");
            await File.WriteAllBytesAsync(initramfs, GuestNumaView.Initramfs(busybox!));
            var boot = new ResolvedBoot(kernel, initramfs, "console=ttyS0 rdinit=/init panic=-1 nokaslr", null, null);
            var serial = await BootAndReadViewAsync(boot, guestNodes, distances);
            var view = GuestNumaView.Parse(serial);
            foreach (var node in view)
            {
                output.WriteLine($"guest node {node.Node}: cpus {node.Cpus}, MemTotal {node.MemTotalBytes >> 10} KiB, distances {string.Join(' ', node.Distances)}");
            }

            Assert.Equal([0, 1], view.Select(v => v.Node));
            Assert.Equal([CpuSet.Of(0), CpuSet.Of(1, 2)], view.Select(v => v.Cpus));
            AssertMemory(view[0], Node0Bytes, Node0ReservedAtMost, serial);
            AssertMemory(view[1], Node1Bytes, Node1ReservedAtMost, serial);
            var remote = distances.Single(d => d.SourceGuestNode == 0 && d.DestinationGuestNode == 1).Value;
            var remoteBack = distances.Single(d => d.SourceGuestNode == 1 && d.DestinationGuestNode == 0).Value;
            Assert.Equal([10, remote], view[0].Distances);
            Assert.Equal([remoteBack, 10], view[1].Distances);
        }
        finally
        {
            images.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Boots the guest and returns its serial console once it has printed its view. The TCG guest normally gets there in
    /// 5-10 s; in one CI run it stalled with nothing on the console for 150 s. A stalled boot is reported here with its
    /// console (the kernel is not quiet, so the console shows how far it got) and the guest is booted once more; a second
    /// stall fails the test.
    /// </summary>
    private async Task<string> BootAndReadViewAsync(ResolvedBoot boot, GuestNodePlacement[] guestNodes, IReadOnlyList<GuestNumaDistance> distances)
    {
        const int Boots = 2;
        var perBoot = TimeSpan.FromSeconds(75);
        static bool HasView(string serial) => serial.Contains(GuestNumaView.EndMarker, StringComparison.Ordinal);
        for (var attempt = 1; ; attempt++)
        {
            await using var test = new QemuTestVm(PageSize.Normal, null, boot, memoryBytes: 0, guestNodes: guestNodes, distances: distances);
            var vm = await test.StartAsync();
            var serial = await Eventually.LastReadingAsync(
                async () => Encoding.UTF8.GetString(await File.ReadAllBytesAsync(test.Spec.State.SerialLog)), HasView, perBoot, poll: TimeSpan.FromMilliseconds(500));
            await test.Supervisor.StopAsync(vm, CancellationToken.None);
            if (HasView(serial))
            {
                return serial;
            }

            output.WriteLine($"boot {attempt} of {Boots}: no NUMA view on the serial console within {perBoot.TotalSeconds} s; console:\n{serial}");
            Assert.True(attempt < Boots, $"the guest did not report its NUMA nodes on the serial console in {Boots} boots of {perBoot.TotalSeconds} s each; last console:\n{serial}");
        }
    }

    private static void AssertMemory(GuestNodeView node, long placed, long reservedAtMost, string serial) =>
        Assert.True(
            node.MemTotalBytes <= placed && node.MemTotalBytes >= placed - reservedAtMost,
            $"guest node {node.Node}: MemTotal {node.MemTotalBytes >> 10} KiB, placed {placed >> 10} KiB (at most {reservedAtMost >> 20} MiB reserved by the kernel)\n{serial}");

    private static HostTopology TwoNodeFixture() => new(
    [
        new HostNumaNode(0, CpuSet.Of(0), [CpuSet.Of(0)], 1L << 30, [], [10, FixtureRemoteDistance]),
        new HostNumaNode(1, CpuSet.Of(1), [CpuSet.Of(1)], 1L << 30, [], [FixtureRemoteDistance, 10]),
    ]);
}
