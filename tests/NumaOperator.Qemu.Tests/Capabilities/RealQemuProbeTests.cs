using NumaOperator.Numa.Placement;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Qemu.Host;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Qemu.Tests.Capabilities;

/// <summary>The capability probe and the boot probe with this machine's real QEMU and kernel.</summary>
public sealed class RealQemuProbeTests
{
    [SkippableFact]
    public async Task Emulation_is_usable_with_host_model_and_named_models_and_kvm_matches_this_host()
    {
        Skip.IfNot(HostCapabilities.HasQemu, "qemu-system-x86_64 not installed");
        var work = Directory.CreateTempSubdirectory("numaop-probe-").FullName;
        try
        {
            var caps = await QemuCapabilityProbe.ProbeAsync(new QemuProbeOptions { QemuPath = QemuBinary.DefaultPath, WorkDirectory = work, ForceEmulation = false }, CancellationToken.None);
            var emulation = caps.For(Accelerator.Emulation)!;
            Assert.True(emulation.Usable, emulation.Reason);
            Assert.Equal("max", emulation.CpuOption("host-model"));
            Assert.Equal("qemu64", emulation.CpuOption("qemu64"));
            Assert.Null(emulation.CpuOption("host-passthrough"));
            var kvm = caps.For(Accelerator.Kvm)!;
            if (KvmProbe.Problem() is { } noDevice)
            {
                Assert.False(kvm.Usable);
                Assert.Equal(noDevice, kvm.Reason);
            }
            else
            {
                // A KVM host: usable, or not with a reason (a nested-KVM quirk without a fallback).
                Assert.True(kvm.Usable || kvm.Reason is { Length: > 0 });
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [SkippableFact]
    public async Task A_probe_is_kept_in_its_cache_file_under_the_names_earlier_builds_wrote()
    {
        Skip.IfNot(HostCapabilities.HasQemu, "qemu-system-x86_64 not installed");
        var work = Directory.CreateTempSubdirectory("numaop-probe-").FullName;
        try
        {
            var options = new QemuProbeOptions { QemuPath = QemuBinary.DefaultPath, WorkDirectory = work, CacheDirectory = work, BootProbeKernel = "", ForceEmulation = true };
            var caps = await QemuCapabilityCache.GetAsync(options, CancellationToken.None);

            // The file another process (a restarted agent, the next `launch`) reads: the reflection-era names, kept.
            using var kept = System.Text.Json.JsonDocument.Parse(File.ReadAllText(QemuCapabilityCache.FileOf(options)));
            var root = kept.RootElement;
            Assert.Equal(["Key", "QemuPath", "Version", "Accelerators"], root.EnumerateObject().Select(p => p.Name));
            Assert.Equal(caps.Version.ToString(), root.GetProperty("Version").GetString());
            var accelerators = root.GetProperty("Accelerators").EnumerateArray().ToList();
            Assert.Equal(caps.Accelerators.Count, accelerators.Count);
            Assert.All(accelerators, a => Assert.Equal(["Name", "Usable", "Reason", "CpuOptions"], a.EnumerateObject().Select(p => p.Name)));
            Assert.Contains(accelerators, a => a.GetProperty("Name").GetString() == AcceleratorNames.Of(Accelerator.Emulation) && a.GetProperty("Usable").GetBoolean());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [SkippableFact]
    public async Task A_debian_kernel_reaches_the_probe_init_under_emulation()
    {
        Skip.IfNot(HostCapabilities.HasQemu, "qemu-system-x86_64 not installed");
        var work = Directory.CreateTempSubdirectory("numaop-probe-").FullName;
        try
        {
            var options = new QemuProbeOptions { QemuPath = QemuBinary.DefaultPath, WorkDirectory = work };
            var kernel = QemuCapabilityProbe.NewestKernel(options);
            Skip.If(kernel is null, "no /boot/vmlinuz-* (apt-get install linux-image-amd64)");
            var problem = await KernelBootProbe.BootAsync(options, kernel!, Accelerator.Emulation, "max", TimeSpan.FromSeconds(150), CancellationToken.None);
            Assert.Null(problem);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [SkippableFact]
    public async Task On_a_kvm_host_the_agents_probe_says_how_kvm_runs_here()
    {
        Skip.IfNot(TestQemu.KvmUsable, TestQemu.WhyNoKvm);
        var kvm = TestQemu.Capabilities!.For(Accelerator.Kvm)!;
        Assert.NotNull(kvm.CpuOption("host-model"));
        Assert.StartsWith("host", kvm.CpuOption("host-passthrough"), StringComparison.Ordinal);
        await Task.CompletedTask;
    }
}
