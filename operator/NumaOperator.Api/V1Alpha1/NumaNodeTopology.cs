using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using NumaOperator.Api.Crds;

namespace NumaOperator.Api.V1Alpha1;

/// <summary>The NUMA facts of one Kubernetes node (cluster-scoped, named after the node), published by its agent.</summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = Plural)]
public sealed class NumaNodeTopology : IKubernetesObject<V1ObjectMeta>, ISpec<NumaNodeTopologySpec?>, IStatus<NumaNodeTopologyStatus?>
{
    public const string KubeKind = "NumaNodeTopology";
    public const string Plural = "numanodetopologies";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    [Description("Admin settings for this node's VMs (optional).")]
    public NumaNodeTopologySpec? Spec { get; set; }

    [JsonPropertyName("status")]
    [Description("The node's NUMA facts as read from sysfs by its agent: NUMA nodes, CPUs, SMT cores, memory, hugepage pools, distances.")]
    public NumaNodeTopologyStatus? Status { get; set; }
}

public sealed class NumaNodeTopologyList : IKubernetesObject<V1ListMeta>, IItems<NumaNodeTopology>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = NumaNodeTopology.KubeKind + "List";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<NumaNodeTopology> Items { get; set; } = [];
}

public sealed class NumaNodeTopologySpec
{
    /// <summary>Host CPUs never given to VMs, cpuset syntax.</summary>
    [JsonPropertyName("reservedCpus")]
    [MaxLength(4096)]
    [Pattern("^([0-9]{1,5}(-[0-9]{1,5})?(,[0-9]{1,5}(-[0-9]{1,5})?)*)?$")]
    [Description("Host CPUs never given to VMs (system daemons, the agent itself), cpuset syntax (e.g. \"0-1\"). Empty or omitted: none reserved.")]
    public string? ReservedCpus { get; set; }

    /// <summary>Evacuate the node: <c>numa-operator drain</c> sets it, <c>uncordon</c> clears it (NumaNodeTopology.Evacuation.cs).</summary>
    [JsonPropertyName("evacuate")]
    [Description("true: move every VM off this node (evictionStrategy LiveMigrate: live migrations created by the controller, a few at a time; None: left running and reported in status.evacuation.blocked) and place no new VM or migration target here. `numa-operator drain NODE` sets it, `numa-operator uncordon NODE` clears it. Omitted: false.")]
    public bool? Evacuate { get; set; }
}

public sealed class NumaNodeTopologyStatus
{
    [JsonPropertyName("heartbeatTime")]
    [Description("When the agent last published this status (RFC 3339); a stale heartbeat means the agent is gone.")]
    public DateTime? HeartbeatTime { get; set; }

    [JsonPropertyName("qemu")]
    [Description("The QEMU the agent found on this node.")]
    public QemuInfo? Qemu { get; set; }

    [JsonPropertyName("numaNodes")]
    [MaxItems(1024)]
    [Description("Online host NUMA nodes, by id.")]
    public IList<NumaNodeStatus> NumaNodes { get; set; } = [];

    [JsonPropertyName("conditions")]
    [MaxItems(16)]
    [Description("Conditions (metav1.Condition); Ready is True while the agent publishes fresh facts and can start VMs.")]
    public IList<V1Condition>? Conditions { get; set; }

    [JsonPropertyName("evacuation")]
    [Description("Where the evacuation asked by spec.evacuate stands (written by the controller; absent when spec.evacuate is not true).")]
    public NodeEvacuationStatus? Evacuation { get; set; }
}

public sealed class QemuInfo
{
    [JsonPropertyName("version")]
    [MaxLength(64)]
    [Description("qemu-system-x86_64 --version, e.g. 7.2.22.")]
    public string? Version { get; set; }

    [JsonPropertyName("kvm")]
    [Description("true when QEMU really runs VMs under KVM here (the accelerator KVM is usable); false means only software emulation (TCG, slow).")]
    public bool Kvm { get; set; }

    [JsonPropertyName("accelerators")]
    [MaxItems(4)]
    [Description("Each accelerator as the agent probed it through the same QEMU and launch path that runs VMs: whether a QEMU with it starts, the CPU models it runs, and why not (or which fallback is in use).")]
    public IList<AcceleratorStatus>? Accelerators { get; set; }
}

public sealed class AcceleratorStatus
{
    [JsonPropertyName("name")]
    [EnumValues("KVM", "Emulation")]
    [Description("KVM (hardware virtualization, /dev/kvm) or Emulation (QEMU TCG).")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("usable")]
    [Description("true when a QEMU with this accelerator started (and, for KVM, a Linux kernel booted to its init under it when a probe kernel was available).")]
    public bool Usable { get; set; }

    [JsonPropertyName("cpuModels")]
    [MaxItems(512)]
    [MaxLength(64)]
    [Description("spec.cpu.model values this accelerator runs here: host-passthrough and host-model when they start, and every QEMU model QEMU reports without unavailable features.")]
    public IList<string> CpuModels { get; set; } = [];

    [JsonPropertyName("reason")]
    [MaxLength(1024)]
    [Description("Why the accelerator is not usable, or a note on how it runs (a documented fallback such as arch-capabilities=off on nested KVM).")]
    public string? Reason { get; set; }
}

public sealed class NumaNodeStatus
{
    [JsonPropertyName("id")]
    [Minimum(0)]
    [Description("NUMA node id (/sys/devices/system/node/nodeN).")]
    public int Id { get; set; }

    /// <summary>Online CPUs, cpuset syntax; empty for a memory-only node.</summary>
    [JsonPropertyName("cpus")]
    [MaxLength(4096)]
    [Description("Online CPUs of this node, cpuset syntax; empty for a memory-only node.")]
    public string Cpus { get; set; } = string.Empty;

    /// <summary>Physical cores, each the list of its SMT sibling CPUs.</summary>
    [JsonPropertyName("cores")]
    [MaxItems(4096)]
    [Description("Physical cores, each the list of its SMT sibling CPU ids (e.g. [[8,40],[9,41]]).")]
    public IList<IList<int>> Cores { get; set; } = [];

    [JsonPropertyName("memoryBytes")]
    [Minimum(0)]
    [Description("Total memory of this node in bytes (MemTotal of its meminfo).")]
    public long MemoryBytes { get; set; }

    [JsonPropertyName("hugepages")]
    [MaxItems(8)]
    [Description("Hugepage pools of this node, one per page size.")]
    public IList<HugepagePoolStatus> Hugepages { get; set; } = [];

    [JsonPropertyName("distances")]
    [MaxItems(1024)]
    [Description("SLIT distances from this node to every online node, in node order (10 = local).")]
    public IList<int> Distances { get; set; } = [];
}

public sealed class HugepagePoolStatus
{
    [JsonPropertyName("pageSize")]
    [MaxLength(16)]
    [Description("Page size of the pool, a quantity (2Mi, 1Gi).")]
    public string PageSize { get; set; } = string.Empty;

    [JsonPropertyName("total")]
    [Minimum(0)]
    [Description("Pages reserved in the pool (nr_hugepages).")]
    public long Total { get; set; }

    [JsonPropertyName("free")]
    [Minimum(0)]
    [Description("Pages not in use (free_hugepages).")]
    public long Free { get; set; }
}
