using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.Measurement;

namespace NumaOperator.Qemu.Tests.RealQemu;

/// <summary>
/// Ordinary-RAM backends are anonymous memory: nothing in /proc names them. The real QEMU says where each one is (its
/// memory map and gpa2hva over QMP), and the measurement ties each guest node to its own backend by that address.
/// </summary>
[Collection(RealQemuTests.Name)]
public sealed class GuestRamLocatorTests(HugepageHost host)
{
    [SkippableFact]
    public async Task Each_ordinary_ram_guest_node_is_measured_from_the_backend_qemu_reports_for_it()
    {
        Skip.IfNot(host.Available, HugepageHost.SkipReason);
        // Two guest nodes of different sizes, so a mix-up could not go unnoticed; both on host node 0 (this host has one).
        await using var test = new QemuTestVm(PageSize.Normal, null, guestNodes: [
            new GuestNodePlacement(0, 0, CpuSet.Of(0), CpuSet.Empty, 32L << 20),
            new GuestNodePlacement(1, 0, CpuSet.Of(1), CpuSet.Empty, 64L << 20),
        ]);
        var vm = await test.StartAsync();

        var addresses = await ProcessMeasurement.LocateAsync(vm.Qmp, test.Spec.Placement, CancellationToken.None);
        var (measurement, verdict) = await ProcessMeasurement.MeasureAsync(vm.Pid, test.Spec.Placement, test.Mounts, addresses, CancellationToken.None);

        Assert.Equal(["mem0", "mem1"], addresses.StartByBackend.Keys.Order());
        Assert.Equal([32L << 20, 64L << 20], measurement.GuestNodes.Select(g => g.MappedBytes));
        Assert.Equal([32L << 20, 64L << 20], measurement.GuestNodes.Select(g => g.BytesByNode.GetValueOrDefault(0)));
        Assert.All(measurement.GuestNodes, g => Assert.Equal(["bind:0"], g.Policies));
        Assert.True(verdict.Aligned, verdict.Message);
        await test.Supervisor.StopAsync(vm, CancellationToken.None);
    }
}
