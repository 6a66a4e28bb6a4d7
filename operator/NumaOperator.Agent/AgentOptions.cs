using NumaOperator.Agent.Runtime;
using NumaOperator.Agent.Launch;
using NumaOperator.ControllerRuntime;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Host;

namespace NumaOperator.Agent;

/// <summary>How <c>numa-operator agent</c> (and the agent inside <c>standalone</c>) runs on one node.</summary>
public sealed record AgentOptions
{
    public const string DefaultStateDirectory = "/var/lib/numa-operator";

    /// <summary>The Kubernetes node this agent serves: its NumaNodeTopology's name and the VMs' numaoperator.io/node label.</summary>
    public required string NodeName { get; init; }

    /// <summary>Agent state; each VM's state dir (QMP socket, pid file, lock) is STATE/vms/UID.</summary>
    public string StateDirectory { get; init; } = DefaultStateDirectory;

    /// <summary>spec.boot file names resolve under this directory, never outside it.</summary>
    public string ImageRoot { get; init; } = Qemu.Host.ImageRoot.DefaultPath;

    /// <summary>Which namespaces may boot which files of the image root (--image-access); default: every namespace, every file.</summary>
    public ImageAccess ImageAccess { get; init; } = ImageAccess.Everyone;

    /// <summary>STATE/disks: one directory per VM uid with its root overlay, data disks and cloud-init seed.</summary>
    public string DisksDirectory => Path.Combine(StateDirectory, "disks");

    /// <summary>Root of /sys for topology discovery ("/" on a real host; a fixture tree in tests).</summary>
    public string SysfsRoot { get; init; } = "/";

    public string QemuPath { get; init; } = QemuBinary.DefaultPath;

    /// <summary>
    /// The uid:gid each QEMU drops to once it has opened its memory, sockets, pid file and disks (--qemu-user);
    /// null keeps QEMU running as root (explicit opt-out, warned about at startup). Ignored when the agent is not root.
    /// </summary>
    public QemuUser? QemuUser { get; init; } = QemuUser.Default;

    /// <summary>How QEMU is started so it outlives the agent (see docs/architecture.md).</summary>
    public ILaunchStrategy LaunchStrategy { get; init; } = new DirectLaunch();

    /// <summary>How often each running VM's numa_maps is read.</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>status.numastat is rewritten at least this often even when nothing changed, so readers can tell it is fresh.</summary>
    public TimeSpan NumastatMaxAge { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often sysfs is read for topology changes (hugepages reserved or released).</summary>
    public TimeSpan TopologyPollInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often status.heartbeatTime of this node's NumaNodeTopology is renewed.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Publish KVM as not usable and run every VM under emulation (--force-tcg): exercises the emulation path on a KVM host.</summary>
    public bool ForceEmulation { get; init; } = QemuProbeOptions.ForcedByEnvironment;

    /// <summary>
    /// The kernel the capability probe boots under KVM (a path where QEMU runs); null: the newest /boot/vmlinuz-*;
    /// empty: no boot probe (--boot-probe-kernel none).
    /// </summary>
    public string? BootProbeKernel { get; init; }

    /// <summary>The KVM device opened before QEMU is asked about KVM.</summary>
    public string KvmDevice { get; init; } = KvmProbe.DefaultDevice;

    /// <summary>How the capability probe reaches this node's QEMU: the launch strategy's path, so what is probed is what runs.</summary>
    public QemuProbeOptions ProbeOptions => new()
    {
        QemuPath = QemuPath,
        LaunchPrefix = LaunchStrategy.ProbePrefix,
        HostRoot = LaunchStrategy.HostRoot,
        KvmDevice = KvmDevice,
        ForceEmulation = ForceEmulation,
        BootProbeKernel = BootProbeKernel,
        WorkDirectory = Path.Combine(StateDirectory, "probe"),
        CacheDirectory = Path.Combine(StateDirectory, "probe"),
    };

    /// <summary>
    /// Named network namespace (ip netns) the VMs' taps are created and their QEMU run in; null: the agent's own.
    /// Host-port checks of user-mode forwards still run in the agent's namespace. For isolated test networks.
    /// </summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>Test only: launch without host-nodes/policy in the memory backends (the NUMA lab's control run).</summary>
    public bool OmitBindingForTest { get; init; }

    /// <summary>How often a running VM's QEMU is checked for being alive between samples.</summary>
    public TimeSpan LivenessInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A VM refused by a host-side pre-flight check (pages, hugetlbfs, QEMU) is tried again this often.</summary>
    public TimeSpan PreflightRetryInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Delays before a VM whose QEMU exited on its own is started again (spec.runStrategy Always, RerunOnFailure).</summary>
    public RestartBackoff RestartBackoff { get; init; } = RestartBackoff.Default;

    /// <summary>Grace after ACPI powerdown before QMP quit, then SIGKILL, when a VM is stopped.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(30);

    public int Workers { get; init; } = 2;

    /// <summary>HttpListener prefix for /healthz and /readyz; null serves none.</summary>
    public string? HealthPrefix { get; init; }

    public InformerOptions Informers { get; init; } = new();

    /// <summary>Where the console endpoint (VM serial consoles and logs, HTTPS) listens; null serves none.</summary>
    public System.Net.IPEndPoint? ConsoleListen { get; init; }

    /// <summary>The host clients reach the console endpoint at (published in status.console.url); null: the listen address.</summary>
    public string? ConsoleAdvertiseAddress { get; init; }

    /// <summary>
    /// The host other agents reach this node's incoming QEMU at (status.targetAddress of a live migration); null: the
    /// console's advertised or listen address, else the host name. The stream is plain TCP (see docs/architecture.md).
    /// </summary>
    public string? MigrationAdvertiseAddress { get; init; }

    /// <summary>The console endpoint as it listens (set by <see cref="AgentHost"/> once it does): written into each VM's status.console.</summary>
    public Api.V1Alpha1.ConsoleEndpointStatus? PublishedConsole { get; init; }

    /// <summary>A VM's serial log past this size is rotated (the newest part kept in serial.log.1).</summary>
    public long SerialLogMaxBytes { get; init; } = SerialConsole.SerialLogBound.DefaultMaxBytes;

    /// <summary>How often the serial logs are checked against <see cref="SerialLogMaxBytes"/>.</summary>
    public TimeSpan SerialLogCheckInterval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
