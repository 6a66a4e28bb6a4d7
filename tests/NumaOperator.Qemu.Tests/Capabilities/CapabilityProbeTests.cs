using NumaOperator.Numa.Placement;
using NumaOperator.Qemu.Capabilities;

namespace NumaOperator.Qemu.Tests.Capabilities;

/// <summary>
/// The capability probe against fake QEMU executables that fail the way real QEMU 7.2 does on healthy, nested and
/// KVM-less hosts: what is published, which fallback is used, and that nothing hangs on a host's quirks.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CapabilityProbeTests
{
    private static QemuProbeOptions Options(FakeQemu qemu, bool forceEmulation = false, string? kernel = null) => new()
    {
        QemuPath = qemu.Path,
        KvmDevice = qemu.KvmDevice,
        ForceEmulation = forceEmulation,
        BootProbeKernel = kernel ?? qemu.Kernel,
        WorkDirectory = qemu.WorkDirectory,
        KvmBootTimeout = TimeSpan.FromSeconds(3),
        EmulatedBootTimeout = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public async Task A_healthy_kvm_host_offers_kvm_with_host_passthrough_host_model_and_its_available_named_models()
    {
        using var qemu = new FakeQemu(KvmBehaviour.Healthy);
        var caps = await QemuCapabilityProbe.ProbeAsync(Options(qemu), CancellationToken.None);

        Assert.Equal(new Version(7, 2, 22), caps.Version);
        var kvm = caps.For(Accelerator.Kvm)!;
        Assert.True(kvm.Usable, kvm.Reason);
        Assert.Null(kvm.Reason);
        Assert.Equal("host", kvm.CpuOption("host-passthrough"));
        Assert.Equal("max", kvm.CpuOption("host-model"));
        Assert.Equal("EPYC", kvm.CpuOption("EPYC"));
        Assert.Null(kvm.CpuOption("Skylake-Server")); // QEMU lists avx512f as unavailable under this KVM
        var emulation = caps.For(Accelerator.Emulation)!;
        Assert.True(emulation.Usable);
        Assert.Equal(["host-model", "qemu64"], emulation.CpuOptions.Keys.Order(StringComparer.Ordinal));
        Assert.Contains(qemu.Invocations, a => a.Contains("accel=kvm", StringComparison.Ordinal) && a.Contains("-kernel " + qemu.Kernel, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Nested_kvm_that_aborts_on_msr_0x10a_runs_every_model_with_arch_capabilities_off_and_says_so()
    {
        using var qemu = new FakeQemu(KvmBehaviour.MsrArchCapabilities);
        var kvm = (await QemuCapabilityProbe.ProbeAsync(Options(qemu), CancellationToken.None)).For(Accelerator.Kvm)!;

        Assert.True(kvm.Usable, kvm.Reason);
        Assert.Equal("host,arch-capabilities=off", kvm.CpuOption("host-passthrough"));
        Assert.Equal("max,arch-capabilities=off", kvm.CpuOption("host-model"));
        Assert.Equal("qemu64,arch-capabilities=off", kvm.CpuOption("qemu64"));
        Assert.Contains("MSR 0x10a", kvm.Reason, StringComparison.Ordinal);
        Assert.Contains("arch-capabilities=off", kvm.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(KvmBehaviour.KernelHangs)]
    [InlineData(KvmBehaviour.MsrAndKernelHangs)]
    public async Task Kvm_that_hangs_a_kernel_is_not_usable_after_a_short_boot_probe_and_emulation_still_is(KvmBehaviour behaviour)
    {
        using var qemu = new FakeQemu(behaviour);
        var started = DateTime.UtcNow;
        var caps = await QemuCapabilityProbe.ProbeAsync(Options(qemu), CancellationToken.None);

        var kvm = caps.For(Accelerator.Kvm)!;
        Assert.False(kvm.Usable);
        Assert.Contains("boots under emulation but not under KVM", kvm.Reason, StringComparison.Ordinal);
        Assert.Contains("did not reach its init within 3 s", kvm.Reason, StringComparison.Ordinal);
        Assert.Contains("Probing EDD", kvm.Reason, StringComparison.Ordinal);
        Assert.True(caps.For(Accelerator.Emulation)!.Usable);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20), "the probe must not wait for a hung kernel");
    }

    [Fact]
    public async Task A_kernel_that_boots_nowhere_leaves_kvm_usable_with_an_inconclusive_note()
    {
        using var qemu = new FakeQemu(KvmBehaviour.BrokenKernel);
        var kvm = (await QemuCapabilityProbe.ProbeAsync(Options(qemu), CancellationToken.None)).For(Accelerator.Kvm)!;
        Assert.True(kvm.Usable);
        Assert.Contains("kernel boot probe inconclusive", kvm.Reason, StringComparison.Ordinal);
        Assert.Contains("Kernel panic", kvm.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_boot_probe_off_kvm_is_judged_by_qemu_alone()
    {
        using var qemu = new FakeQemu(KvmBehaviour.KernelHangs);
        var kvm = (await QemuCapabilityProbe.ProbeAsync(Options(qemu) with { BootProbeKernel = string.Empty }, CancellationToken.None)).For(Accelerator.Kvm)!;
        Assert.True(kvm.Usable);
        Assert.DoesNotContain(qemu.Invocations, a => a.Contains("-kernel", StringComparison.Ordinal));
    }

    [Fact]
    public void The_probe_kernel_is_the_newest_vmlinuz_in_boot_under_the_host_root_by_version()
    {
        using var qemu = new FakeQemu(KvmBehaviour.Healthy);
        var root = Path.Combine(qemu.WorkDirectory, "host");
        Assert.Null(QemuCapabilityProbe.NewestKernel(Options(qemu) with { HostRoot = root }));
        Directory.CreateDirectory(Path.Combine(root, "boot"));
        foreach (var name in new[] { "vmlinuz-6.1.0-9-amd64", "vmlinuz-6.1.0-57-amd64", "vmlinuz-5.10.0-99-amd64", "config-6.2.0-1-amd64" })
        {
            File.WriteAllText(Path.Combine(root, "boot", name), string.Empty);
        }

        Assert.Equal("/boot/vmlinuz-6.1.0-57-amd64", QemuCapabilityProbe.NewestKernel(Options(qemu) with { HostRoot = root }));
    }

    [Fact]
    public async Task Without_the_kvm_device_kvm_is_not_usable_naming_the_device_and_qemu_is_not_asked_about_kvm()
    {
        using var qemu = new FakeQemu(KvmBehaviour.Healthy);
        var kvm = (await QemuCapabilityProbe.ProbeAsync(Options(qemu) with { KvmDevice = qemu.KvmDevice + "-missing" }, CancellationToken.None)).For(Accelerator.Kvm)!;
        Assert.False(kvm.Usable);
        Assert.Contains("kvm-missing does not exist", kvm.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(qemu.Invocations, a => a.Contains("accel=kvm", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Force_tcg_publishes_kvm_as_disabled_without_touching_it()
    {
        using var qemu = new FakeQemu(KvmBehaviour.Healthy);
        var kvm = (await QemuCapabilityProbe.ProbeAsync(Options(qemu, forceEmulation: true), CancellationToken.None)).For(Accelerator.Kvm)!;
        Assert.False(kvm.Usable);
        Assert.Contains("--force-tcg", kvm.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(qemu.Invocations, a => a.Contains("accel=kvm", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_qemu_that_cannot_use_kvm_leaves_kvm_unusable_with_qemus_own_words()
    {
        using var qemu = new FakeQemu(KvmBehaviour.NoKvmModule);
        var kvm = (await QemuCapabilityProbe.ProbeAsync(Options(qemu), CancellationToken.None)).For(Accelerator.Kvm)!;
        Assert.False(kvm.Usable);
        Assert.Contains("Could not access KVM kernel module", kvm.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_binary_is_a_clear_error_naming_the_path()
    {
        using var qemu = new FakeQemu(KvmBehaviour.Healthy);
        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => QemuCapabilityProbe.ProbeAsync(Options(qemu) with { QemuPath = qemu.Path + "-gone" }, CancellationToken.None));
        Assert.Contains("-gone", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_probe_runs_through_the_launch_path_prefix()
    {
        using var qemu = new FakeQemu(KvmBehaviour.Healthy);
        // /usr/bin/env stands in for nsenter: a prefix that runs QEMU by its path.
        var caps = await QemuCapabilityProbe.ProbeAsync(Options(qemu) with { LaunchPrefix = ["/usr/bin/env"] }, CancellationToken.None);
        Assert.True(caps.KvmUsable);
        Assert.NotEmpty(qemu.Invocations);
    }

    [Fact]
    public void A_placement_resolves_to_the_probed_cpu_value_or_to_a_reason_naming_accelerator_and_model()
    {
        var caps = new QemuCapabilities("/q", new Version(7, 2), [
            AcceleratorCapability.Unusable(Accelerator.Kvm, "/dev/kvm does not exist"),
            new(Accelerator.Emulation, true, null, new Dictionary<string, string> { ["host-model"] = "max" }),
        ]);
        var placement = new VmPlacement("n", Numa.Quantities.PageSize.Normal, []) { Accelerator = Accelerator.Emulation, CpuModel = "host-model" };
        Assert.Equal(new QemuCpu(Accelerator.Emulation, "host-model", "max"), caps.Resolve(placement, out _));

        Assert.Null(caps.Resolve(placement with { Accelerator = Accelerator.Kvm }, out var problem));
        Assert.Contains("placed to run under KVM with cpu model host-model", problem, StringComparison.Ordinal);
        Assert.Contains("/dev/kvm does not exist", problem, StringComparison.Ordinal);

        // A placement recorded before accelerators were scheduled takes the best accelerator that runs its model.
        Assert.Equal(Accelerator.Emulation, caps.Resolve(placement with { Accelerator = null }, out _)!.Accelerator);
    }
}
