using System.Text.Json.Nodes;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Measurement;
using NumaOperator.Qemu.Supervision;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Qemu.Tests.RealQemu;

/// <summary>Real QEMU (TCG, firmware only, 64 MiB) started, pinned, measured, adopted and stopped by the supervisor.</summary>
[Collection(RealQemuTests.Name)]
public sealed class SupervisorTests(HugepageHost host)
{
    [SkippableFact]
    public async Task Hugepage_vm_is_bound_to_node_zero_pinned_and_gives_its_pages_back_on_stop()
    {
        Skip.IfNot(host.Available, HugepageHost.SkipReason);
        using var reservation = host.Reserve(32);
        await using var test = new QemuTestVm(PageSize.Huge2Mi, host.MountPoint);
        var freeBefore = host.Counters.FreePages(0, HugepageHost.PageBytes);
        Assert.True(freeBefore >= 32, $"only {freeBefore} free 2Mi pages on node 0 after reserving 32");

        var vm = await test.StartAsync();
        var freeRunning = host.Counters.FreePages(0, HugepageHost.PageBytes);
        var measurement = GuestMemoryMeasurer.Measure(
            await File.ReadAllTextAsync($"/proc/{vm.Pid}/numa_maps"),
            await File.ReadAllTextAsync($"/proc/{vm.Pid}/maps"),
            GuestRamLayout.Of(test.Spec.Placement, host.MountPoint));
        var backend = Assert.Single(measurement.GuestRamMappings);
        Assert.Equal("bind:0", backend.Policy);
        Assert.Equal(HugepageHost.PageBytes, backend.KernelPageBytes);
        Assert.Equal(64L << 20, measurement.GuestRamBytesByNode[0]);
        Assert.Equal(1.0, measurement.LocalRatio);
        Assert.True(NumaVerdict.Judge(measurement).Aligned, NumaVerdict.Judge(measurement).Message);
        Assert.True(freeBefore - freeRunning == 32, $"free 2Mi pages on node 0: {freeBefore} before, {freeRunning} while running (another process changing the pool makes this fail)");

        // vCPU 0's thread may run only on its placed host CPU; every other thread on the emulator CPUs.
        var hostCpu = test.Spec.Placement.GuestNodes[0].HostCpus;
        Assert.Equal(hostCpu, ProcFs.AllowedCpus(vm.Pid, vm.VcpuThreads[0]));
        var plan = PinningPlan.For(test.Spec.Placement, test.Topology);
        Assert.Empty(VmSupervisor.VerifyPinning(vm.Pid, vm.VcpuThreads, plan));
        var status = await vm.Qmp.ExecuteAsync("query-status", null, CancellationToken.None) as JsonObject;
        Assert.Equal("running", status!["status"]!.GetValue<string>());

        await test.Supervisor.StopAsync(vm, CancellationToken.None);
        Assert.False(ProcFs.IsAlive(vm.Pid));
        Assert.False(Directory.Exists(test.Spec.State.Directory));
        // The kernel frees an exited process's hugetlbfs pages on its deferred-fput path, a moment after the process
        // is gone (seen here: 0 free right after exit); allow that moment, not more.
        var freeAfter = await Eventually.LastReadingAsync(
            () => Task.FromResult(host.Counters.FreePages(0, HugepageHost.PageBytes)), free => free == freeBefore, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50));

        Assert.True(freeAfter == freeBefore, $"free 2Mi pages on node 0: {freeBefore} before start, {freeRunning} running, {freeAfter} after stop");
    }

    [SkippableFact]
    public async Task A_second_supervisor_adopts_the_running_vm_without_restarting_it()
    {
        Skip.IfNot(host.Available, HugepageHost.SkipReason);
        await using var test = new QemuTestVm(PageSize.Normal, null);
        var first = await test.StartAsync();

        // While the first supervisor holds the VM, nobody else may adopt or start it.
        await Assert.ThrowsAsync<VmLockedException>(() => VmSupervisor.AdoptAsync(test.Spec.State, test.Spec.Uuid, CancellationToken.None));
        await Assert.ThrowsAsync<VmLockedException>(() => test.StartAsync());

        await first.DisposeAsync(); // the first supervisor "exits"; QEMU keeps running
        Assert.True(ProcFs.IsAlive(first.Pid));

        var adopted = await VmSupervisor.AdoptAsync(test.Spec.State, test.Spec.Uuid, CancellationToken.None);
        Assert.Equal(first.Pid, adopted.Pid);
        Assert.Equal(first.VcpuThreads, adopted.VcpuThreads);
        var status = await adopted.Qmp.ExecuteAsync("query-status", null, CancellationToken.None) as JsonObject;
        Assert.Equal("running", status!["status"]!.GetValue<string>());

        // A wrong uuid (a recycled pid, another VM's state dir) is refused.
        await adopted.DisposeAsync();
        var wrong = await Assert.ThrowsAsync<InvalidOperationException>(() => VmSupervisor.AdoptAsync(test.Spec.State, Guid.NewGuid(), CancellationToken.None));
        Assert.Contains("has no -uuid", wrong.Message, StringComparison.Ordinal);

        // Starting it again would make two QEMU for one VM.
        var again = await Assert.ThrowsAsync<InvalidOperationException>(() => test.StartAsync());
        Assert.Contains($"already runs as pid {first.Pid}", again.Message, StringComparison.Ordinal);

        var readopted = await VmSupervisor.AdoptAsync(test.Spec.State, test.Spec.Uuid, CancellationToken.None);
        await test.Supervisor.StopAsync(readopted, CancellationToken.None);
        Assert.False(ProcFs.IsAlive(first.Pid));
    }
}
