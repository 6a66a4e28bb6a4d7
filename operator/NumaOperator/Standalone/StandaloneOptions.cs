using NumaOperator.Qemu.CommandLine;

namespace NumaOperator.Cli.Standalone;

/// <summary>Everything `numa-operator standalone` was asked to do, parsed and checked.</summary>
public sealed record StandaloneOptions
{
    public const string DefaultDataDir = "/var/lib/numa-operator/standalone";

    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromMinutes(5);

    public static TimeSpan DefaultSampleInterval { get; } = TimeSpan.FromSeconds(15);

    public required string DataDir { get; init; }

    public required ListenAddress Listen { get; init; }

    public required string KubeconfigOut { get; init; }

    /// <summary>Manifest files (directories already expanded).</summary>
    public IReadOnlyList<string> ApplyFiles { get; init; } = [];

    public IReadOnlyList<HugepageRequest> Hugepages { get; init; } = [];

    public required string NodeName { get; init; }

    public required string ImageRoot { get; init; }

    public bool ExitWhenReady { get; init; }

    public bool StopVmsOnExit { get; init; }

    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    public bool OmitBindingForTest { get; init; }

    public required string QemuPath { get; init; }

    /// <summary>--qemu-user: the uid:gid QEMU drops to; null keeps it root.</summary>
    public QemuUser? QemuUser { get; init; } = QemuUser.Default;

    public TimeSpan SampleInterval { get; init; } = DefaultSampleInterval;

    /// <summary>--force-tcg: the agent publishes KVM as not usable and runs VMs under emulation.</summary>
    public bool ForceEmulation { get; init; } = NumaOperator.Qemu.Capabilities.QemuProbeOptions.ForcedByEnvironment;

    /// <summary>--boot-probe-kernel: null picks /boot's newest kernel, empty skips the boot probe.</summary>
    public string? BootProbeKernel { get; init; }

    /// <summary>How long a stopped VM gets to power down (ACPI) before QEMU is told to quit.</summary>
    public TimeSpan StopGrace { get; init; } = DefaultStopGrace;

    public static TimeSpan DefaultStopGrace { get; } = TimeSpan.FromSeconds(30);

    /// <summary>Agent state (each VM's QMP socket, pid file, lock) under the data dir, so a restart on it adopts the VMs.</summary>
    public string AgentStateDirectory => Path.Combine(DataDir, "agent");

    public string LogFile => Path.Combine(DataDir, "standalone.log");
}
