using NumaOperator.Numa.Placement;
using NumaOperator.Qemu.Host;

namespace NumaOperator.Qemu.Capabilities;

/// <summary>
/// Finds out what this node's QEMU really runs, through the launch strategy's own path: its version, and per
/// accelerator whether a QEMU starts (paused, asked over QMP, then quit), which spec.cpu.model values start, and
/// for KVM whether a Linux kernel boots to its init. Known nested-KVM failures are retried with their documented
/// fallback (<see cref="NestedKvmQuirks"/>) instead of failing VMs. Cheap: a few QEMUs that never run a guest
/// instruction, plus about a second of kernel boot under KVM; done at agent start and when the binary changes
/// (<see cref="QemuCapabilityCache"/>).
/// </summary>
public static class QemuCapabilityProbe
{
    /// <exception cref="FileNotFoundException">No QEMU at the path.</exception>
    /// <exception cref="InvalidDataException">It ran but printed no QEMU version.</exception>
    public static async Task<QemuCapabilities> ProbeAsync(QemuProbeOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var binary = QemuBinary.Probe(options.QemuPath, options.LaunchPrefix, options.Visible(options.QemuPath));
        var emulation = await ProbeEmulationAsync(options, ct);
        var kvm = await ProbeKvmAsync(options, emulation, ct);
        return new QemuCapabilities(options.QemuPath, binary.Version, [kvm, emulation]);
    }

    private static async Task<AcceleratorCapability> ProbeEmulationAsync(QemuProbeOptions options, CancellationToken ct)
    {
        var session = await QmpProbeSession.RunAsync(options, Accelerator.Emulation, "max", ct);
        if (!session.Started)
        {
            return AcceleratorCapability.Unusable(Accelerator.Emulation, "QEMU with -accel tcg -cpu max did not start: " + session.Failure);
        }

        var cpuOptions = Models(session.AvailableModels, string.Empty);
        cpuOptions[AcceleratorNames.HostModel] = "max";
        return new AcceleratorCapability(Accelerator.Emulation, true, null, cpuOptions);
    }

    private static async Task<AcceleratorCapability> ProbeKvmAsync(QemuProbeOptions options, AcceleratorCapability emulation, CancellationToken ct)
    {
        if (options.ForceEmulation)
        {
            return AcceleratorCapability.Unusable(Accelerator.Kvm, "disabled on this node (--force-tcg): VMs run under emulation only");
        }

        if (KvmProbe.Problem(options.KvmDevice) is { } deviceProblem)
        {
            return AcceleratorCapability.Unusable(Accelerator.Kvm, deviceProblem);
        }

        // host first: it is where nested KVM breaks; a recognised failure is retried once with its fallback.
        var suffix = string.Empty;
        var notes = new List<string>();
        var host = await QmpProbeSession.RunAsync(options, Accelerator.Kvm, "host", ct);
        if (!host.Started && NestedKvmQuirks.Recognise(host.Failure!) is { } quirk)
        {
            suffix = "," + quirk.CpuProperties;
            var retried = await QmpProbeSession.RunAsync(options, Accelerator.Kvm, "host" + suffix, ct);
            if (retried.Started)
            {
                notes.Add(quirk.Explanation);
            }

            host = retried.Started ? retried : host;
        }

        if (!host.Started)
        {
            return AcceleratorCapability.Unusable(Accelerator.Kvm, "QEMU with -accel kvm -cpu host did not start: " + host.Failure);
        }

        if (host.KvmEnabled != true)
        {
            return AcceleratorCapability.Unusable(Accelerator.Kvm, "QEMU started with -accel kvm but query-kvm reports KVM not enabled");
        }

        var cpuOptions = Models(host.AvailableModels, suffix);
        cpuOptions[AcceleratorNames.HostPassthrough] = "host" + suffix;
        var max = await QmpProbeSession.RunAsync(options, Accelerator.Kvm, "max" + suffix, ct);
        if (max.Started)
        {
            cpuOptions[AcceleratorNames.HostModel] = "max" + suffix;
        }
        else
        {
            notes.Add("host-model (-cpu max) did not start: " + max.Failure);
        }

        var boot = await ProbeBootAsync(options, cpuOptions, emulation, ct);
        if (boot.Problem is { } problem)
        {
            return AcceleratorCapability.Unusable(Accelerator.Kvm, problem);
        }

        notes.AddRange(boot.Notes);
        return new AcceleratorCapability(Accelerator.Kvm, true, notes.Count == 0 ? null : string.Join("; ", notes), cpuOptions);
    }

    /// <summary>
    /// A kernel boot under KVM. When it fails, the same kernel under emulation tells a KVM that hangs Linux (KVM is
    /// then not usable) from a kernel that boots nowhere (the probe is inconclusive and KVM stays usable).
    /// </summary>
    private static async Task<(string? Problem, IReadOnlyList<string> Notes)> ProbeBootAsync(
        QemuProbeOptions options, Dictionary<string, string> cpuOptions, AcceleratorCapability emulation, CancellationToken ct)
    {
        if (options.BootProbeKernel is "")
        {
            return (null, []);
        }

        var kernel = options.BootProbeKernel ?? NewestKernel(options);
        if (kernel is null)
        {
            return (null, ["no kernel boot probe: no /boot/vmlinuz-* on this node"]);
        }

        var cpu = cpuOptions.GetValueOrDefault(AcceleratorNames.HostModel) ?? cpuOptions[AcceleratorNames.HostPassthrough];
        var underKvm = await KernelBootProbe.BootAsync(options, kernel, Accelerator.Kvm, cpu, options.KvmBootTimeout, ct);
        if (underKvm is null)
        {
            return (null, []);
        }

        var kernelName = Path.GetFileName(kernel);
        var underEmulation = emulation.Usable
            ? await KernelBootProbe.BootAsync(options, kernel, Accelerator.Emulation, "max", options.EmulatedBootTimeout, ct)
            : "emulation is not usable either";
        if (underEmulation is null)
        {
            return ($"a Linux kernel ({kernelName}) boots under emulation but not under KVM: {underKvm}; this KVM runs firmware but hangs kernels (seen on nested KVM), so VMs here run under emulation", []);
        }

        return (null, [$"kernel boot probe inconclusive: {kernelName} booted neither under KVM ({underKvm}) nor under emulation ({underEmulation})"]);
    }

    /// <summary>The newest /boot/vmlinuz-* QEMU can read, as a QEMU-side path.</summary>
    public static string? NewestKernel(QemuProbeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var boot = options.Visible("/boot");
        if (!Directory.Exists(boot))
        {
            return null;
        }

        return Directory.EnumerateFiles(boot, "vmlinuz-*")
            .Select(Path.GetFileName)
            .OfType<string>()
            .OrderByDescending(n => n, KernelVersionOrder.Instance)
            .Select(n => "/boot/" + n)
            .FirstOrDefault();
    }

    private static Dictionary<string, string> Models(IEnumerable<string> available, string suffix) =>
        available.ToDictionary(m => m, m => m + suffix, StringComparer.Ordinal);

    /// <summary>vmlinuz-6.1.0-57-amd64 after vmlinuz-6.1.0-9-amd64: numeric runs compare as numbers.</summary>
    private sealed class KernelVersionOrder : IComparer<string>
    {
        public static KernelVersionOrder Instance { get; } = new();

        public int Compare(string? x, string? y)
        {
            var a = System.Text.RegularExpressions.Regex.Split(x ?? string.Empty, "([0-9]+)");
            var b = System.Text.RegularExpressions.Regex.Split(y ?? string.Empty, "([0-9]+)");
            for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                var c = long.TryParse(a[i], out var na) && long.TryParse(b[i], out var nb) ? na.CompareTo(nb) : string.CompareOrdinal(a[i], b[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return a.Length.CompareTo(b.Length);
        }
    }
}
