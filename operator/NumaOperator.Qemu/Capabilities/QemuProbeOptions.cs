namespace NumaOperator.Qemu.Capabilities;

/// <summary>How the capability probe reaches QEMU: the same binary and launch path that will run the VMs.</summary>
public sealed record QemuProbeOptions
{
    /// <summary>The QEMU executable, as a path in the namespace QEMU runs in (the host's for systemd-run).</summary>
    public required string QemuPath { get; init; }

    /// <summary>The launch strategy's way into that namespace (e.g. nsenter into PID 1), put before QEMU's argv; empty runs it here.</summary>
    public IReadOnlyList<string> LaunchPrefix { get; init; } = [];

    /// <summary>Where this process sees QEMU's root file system ("/" here, "/proc/1/root" for the host from a hostPID pod).</summary>
    public string HostRoot { get; init; } = "/";

    /// <summary>The KVM device this process opens to tell whether KVM exists before QEMU is asked.</summary>
    public string KvmDevice { get; init; } = "/dev/kvm";

    /// <summary>The one switch that forces emulation for the agent, standalone, launch, the tests and the NUMA lab (set to 1).</summary>
    public const string ForceTcgVariable = "NUMAOPERATOR_FORCE_TCG";

    /// <summary>Whether <see cref="ForceTcgVariable"/> asks for emulation only.</summary>
    public static bool ForcedByEnvironment => Environment.GetEnvironmentVariable(ForceTcgVariable) is "1" or "true";

    /// <summary>
    /// Publish KVM as not usable and run every VM under emulation (--force-tcg, or NUMAOPERATOR_FORCE_TCG=1): exercises
    /// the emulation path on a KVM host without touching its device nodes.
    /// </summary>
    public bool ForceEmulation { get; init; } = ForcedByEnvironment;

    /// <summary>
    /// The kernel booted under KVM to prove KVM runs Linux (a QEMU path); null picks the newest /boot/vmlinuz-* under
    /// <see cref="HostRoot"/>; empty skips the boot probe.
    /// </summary>
    public string? BootProbeKernel { get; init; }

    /// <summary>Where the boot probe writes its initramfs for one boot: a directory QEMU sees at the same path (the agent's state dir; the temp dir for direct launches).</summary>
    public required string WorkDirectory { get; init; }

    /// <summary>
    /// Where probe results are kept across processes (<see cref="QemuCapabilityCache"/>): machine-wide by default, so
    /// every `launch`, standalone run and test process on a host shares one probe per binary and host state; the agent
    /// keeps its own in its state dir.
    /// </summary>
    public string CacheDirectory { get; init; } = DefaultCacheDirectory;

    public const string DefaultCacheDirectory = "/var/cache/numa-operator";

    /// <summary>How long a QEMU started with -S may take to answer QMP.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a kernel may take to reach its init under KVM (about a second on a healthy host).</summary>
    public TimeSpan KvmBootTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the same kernel may take under emulation, when KVM failed and the kernel itself is in question.</summary>
    public TimeSpan EmulatedBootTimeout { get; init; } = TimeSpan.FromSeconds(150);

    /// <summary>The command that runs QEMU with <paramref name="args"/> through the launch path.</summary>
    public IReadOnlyList<string> Command(IEnumerable<string> args) => [.. LaunchPrefix, QemuPath, .. args];

    /// <summary>A QEMU-side path as this process sees it.</summary>
    public string Visible(string qemuSidePath) =>
        HostRoot == "/" ? qemuSidePath : Path.Join(HostRoot, qemuSidePath);
}
