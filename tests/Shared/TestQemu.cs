using NumaOperator.Numa.Placement;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Preflight;

namespace NumaOperator.Tests.Shared;

/// <summary>
/// This machine's QEMU as the agent sees it: the same capability probe (and cache), so real-QEMU fixtures run under
/// the accelerator and CPU the agent would pick, never a quirk the agent avoids. NUMAOPERATOR_FORCE_TCG=1 forces
/// emulation here as everywhere. Compiled into test projects that set SharedTestQemu.
/// </summary>
public static class TestQemu
{
    private static readonly Lazy<(QemuCapabilities? Capabilities, string? Problem)> Probed = new(() =>
    {
        // The agent's defaults: the machine-wide result cache, the temp dir for the boot probe's one file.
        var options = new QemuProbeOptions { QemuPath = QemuBinary.DefaultPath, WorkDirectory = Path.GetTempPath() };
        return NumaOperator.Qemu.Preflight.PreflightHost.ProbeAsync(options, CancellationToken.None).GetAwaiter().GetResult();
    });

    /// <summary>The probed QEMU; null (with <see cref="Problem"/>) when there is no usable QEMU.</summary>
    public static QemuCapabilities? Capabilities => Probed.Value.Capabilities;

    public static string? Problem => Probed.Value.Problem;

    public static bool KvmUsable => Capabilities?.KvmUsable == true;

    /// <summary>Why the real-KVM tests skip here ("" when they run).</summary>
    public static string WhyNoKvm => KvmUsable ? string.Empty
        : $"KVM is not usable here ({Capabilities?.For(Accelerator.Kvm)?.Reason ?? Problem}); the real-KVM cases run on machines with a working /dev/kvm";

    /// <summary>The accelerator and -cpu value the agent would give a VM that accepts either accelerator, with <paramref name="cpuModel"/>.</summary>
    public static QemuCpu Cpu(string cpuModel = AcceleratorNames.HostModel)
    {
        var capabilities = Capabilities ?? throw new InvalidOperationException("no usable QEMU: " + Problem);
        var placement = new VmPlacement("test", NumaOperator.Numa.Quantities.PageSize.Normal, []) { CpuModel = cpuModel };
        return capabilities.Resolve(placement, out var problem) ?? throw new InvalidOperationException(problem);
    }

    /// <summary>The pre-flight host the agent would build: these mounts, the real counters, the probed QEMU.</summary>
    public static PreflightHost PreflightHost(IReadOnlyList<HugetlbfsMount> mounts) =>
        new(QemuBinary.DefaultPath, mounts, new HugepageCounters(), Capabilities, Problem);
}
