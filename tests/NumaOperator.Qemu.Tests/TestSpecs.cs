using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Host;

namespace NumaOperator.Qemu.Tests;

/// <summary>Launch specs and host facts shared by the argv tests.</summary>
internal static class TestSpecs
{
    public static readonly Guid Uuid = Guid.Parse("0f5e8a36-1c2b-4d3e-9f00-123456789abc");

    public static QemuHostFacts Qemu72 { get; } = new(new Version(7, 2, 22), [new HugetlbfsMount("/dev/hugepages", 2L << 20), new HugetlbfsMount("/dev/hugepages1G", 1L << 30)]);

    public static QemuHostFacts Qemu90 { get; } = Qemu72 with { QemuVersion = new Version(9, 0, 0) };

    /// <summary>The first QEMU with -run-with user= (and -runas deprecated).</summary>
    public static QemuHostFacts Qemu91 { get; } = Qemu90 with { QemuVersion = new Version(9, 1, 0) };

    /// <summary>host-model under emulation, as the probe resolves it.</summary>
    public static QemuCpu EmulatedHostModel { get; } = new(Accelerator.Emulation, AcceleratorNames.HostModel, "max");

    /// <summary>host-passthrough under nested KVM with the MSR 0x10a fallback, as the probe resolves it.</summary>
    public static QemuCpu NestedKvmPassthrough { get; } = new(Accelerator.Kvm, AcceleratorNames.HostPassthrough, "host,arch-capabilities=off");

    /// <summary>The seed bug's VM: 4 vCPUs, 30 GiB of 2 MiB pages, strictly on host node 1, CPUs 8-11; QEMU drops to the default user unless <paramref name="keepRoot"/>.</summary>
    public static VmLaunchSpec SeedVm(bool omitBinding = false, bool keepRoot = false, QemuCpu? cpu = null) => new(
        "db1",
        Uuid,
        new VmPlacement("worker-7", PageSize.Huge2Mi, [new GuestNodePlacement(0, 1, CpuSet.Parse("0-3"), CpuSet.Parse("8-11"), 30L << 30)]),
        cpu ?? EmulatedHostModel,
        ResolvedBoot.FirmwareOnly,
        new VmStatePaths("/run/numa-operator/vms/db1"),
        omitBinding ? BindingForTest.Omitted : BindingForTest.AsPlaced,
        keepRoot ? null : QemuUser.Default);

    /// <summary>Two guest nodes of ordinary pages, Preferred, with a kernel, initrd, cmdline and disk.</summary>
    public static VmLaunchSpec TwoNodeRam(string name = "web.example", string? cmdline = "console=ttyS0 root=/dev/vda1", string kernel = "/var/lib/numa-operator/images/vmlinuz-6.1", QemuCpu? cpu = null) => new(
        name,
        Uuid,
        new VmPlacement("worker-1", PageSize.Normal, [
            new GuestNodePlacement(0, 2, CpuSet.Parse("0-2"), CpuSet.Empty, 4L << 30),
            new GuestNodePlacement(1, 3, CpuSet.Parse("3-5"), CpuSet.Empty, 4L << 30),
        ]) { Policy = NumaPolicy.Preferred },
        cpu ?? NestedKvmPassthrough,
        new ResolvedBoot(kernel, "/var/lib/numa-operator/images/initrd.img-6.1", cmdline, "/var/lib/numa-operator/images/disk,1.qcow2", "qcow2"),
        new VmStatePaths("/run/numa-operator/vms/" + name),
        RunAs: QemuUser.Default);
}
