using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using NumaOperator.Api.Crds;
using NumaOperator.Api.Status;

namespace NumaOperator.Api.V1Alpha1;

/// <summary>A QEMU virtual machine whose vCPUs and memory are placed on, bound to and measured on host NUMA nodes.</summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = Plural)]
public sealed class NumaVirtualMachine : IKubernetesObject<V1ObjectMeta>, ISpec<NumaVirtualMachineSpec>, IStatus<NumaVirtualMachineStatus?>
{
    public const string KubeKind = "NumaVirtualMachine";
    public const string Plural = "numavirtualmachines";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    [RequiredField]
    [Description("Desired state of the VM: vCPUs, memory, NUMA placement constraints, node selection and boot files.")]
    public NumaVirtualMachineSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    [Description("Observed state, written by the controller (placement) and the node agent (phase, measured numastat, conditions).")]
    public NumaVirtualMachineStatus? Status { get; set; }

    /// <summary>namespace/name: the key of ledgers, work queues and messages.</summary>
    [JsonIgnore]
    public string Key => ObjectKeys.Namespaced(Metadata.NamespaceProperty, Metadata.Name);
}

public sealed class NumaVirtualMachineList : IKubernetesObject<V1ListMeta>, IItems<NumaVirtualMachine>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = NumaVirtualMachine.KubeKind + "List";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<NumaVirtualMachine> Items { get; set; } = [];
}

[XValidation(
    "quantity(self.memory.size).asInteger() % ((has(self.memory.hugepages) ? (self.memory.hugepages.pageSize == '1Gi' ? 1073741824 : 2097152) : 4096) * (has(self.numa) && has(self.numa.guestNodes) ? self.numa.guestNodes : 1)) == 0",
    "must be a whole number of pages for every guest node: a multiple of the page size (4Ki without hugepages) times spec.numa.guestNodes",
    FieldPath = ".memory.size")]
[XValidation(
    "!has(self.numa) || !has(self.numa.guestNodes) || self.numa.guestNodes <= self.cpu.cores",
    "must not exceed spec.cpu.cores: every guest node needs at least one vCPU",
    FieldPath = ".numa.guestNodes")]
public sealed partial class NumaVirtualMachineSpec
{
    /// <summary>Desired power state: false stops the VM and keeps the object.</summary>
    [JsonPropertyName("running")]
    [Description("Shorthand for spec.runStrategy (no default, so the two cannot both be set): true is Always, false is Halted (stops its QEMU and keeps the object and its placement). Both omitted: Always.")]
    public bool? Running { get; set; }

    [JsonPropertyName("cpu")]
    [RequiredField]
    [Description("Virtual CPUs of the VM.")]
    public CpuSpec Cpu { get; set; } = new();

    [JsonPropertyName("memory")]
    [RequiredField]
    [Description("Guest RAM: its size and, optionally, the hugepage size that backs it.")]
    public MemorySpec Memory { get; set; } = new();

    [JsonPropertyName("numa")]
    [Description("Which host NUMA nodes the VM may use, how many guest NUMA nodes it has, and how strictly memory is bound.")]
    public NumaSpec? Numa { get; set; }

    [JsonPropertyName("nodeSelector")]
    [MaxItems(64)]
    [MaxLength(63)]
    [Pattern("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    [Description("Kubernetes node labels the VM's node must have, as for pods (e.g. kubernetes.io/hostname: worker-7), at most 64. Keys: qualified names (optional DNS subdomain prefix and '/', then 1-63 characters); values: empty or 1-63 characters of [A-Za-z0-9-_.] starting and ending with an alphanumeric.")]
    public IDictionary<string, string>? NodeSelector { get; set; }

    [JsonPropertyName("accelerator")]
    [DefaultValue("KVM")]
    [EnumValues("KVM", "Emulation", "Any")]
    [Description("How QEMU may run the vCPUs. KVM (default): hardware virtualization only; the VM is placed only on nodes whose agent found KVM working. Emulation: software emulation (QEMU TCG), many times slower; for tests and hosts without KVM. Any: KVM where a node offers it, else emulation. Software emulation is an explicit opt-in, as in KubeVirt.")]
    public string? Accelerator { get; set; }

    [JsonPropertyName("boot")]
    [Description("What QEMU boots. Omit to boot firmware only (tests, demos). File names are resolved under the agent's image root, never outside it.")]
    public BootSpec? Boot { get; set; }
}

public sealed class CpuSpec
{
    /// <summary>Number of vCPUs, 1..1024.</summary>
    [JsonPropertyName("cores")]
    [RequiredField]
    [Minimum(1)]
    [Maximum(1024)]
    [Description("Number of vCPUs, 1 to 1024. With several guest NUMA nodes they are split evenly between them.")]
    public int Cores { get; set; }

    /// <summary>Pin every vCPU to its own host CPU on the placed NUMA node(s).</summary>
    [JsonPropertyName("dedicated")]
    [DefaultValue(false)]
    [Description("true: pin every vCPU to its own host CPU on the placed NUMA node(s), given to no other VM. false (default): vCPUs float over the placed nodes' CPUs.")]
    public bool? Dedicated { get; set; }

    /// <summary>host-passthrough, host-model or a QEMU CPU model name.</summary>
    [JsonPropertyName("model")]
    [DefaultValue("host-model")]
    [MaxLength(64)]
    [Pattern("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    [Description("The CPU the guest sees. host-model (default): as much of the host CPU as the accelerator offers (QEMU -cpu max; runs under KVM and emulation). host-passthrough: the host CPU exactly as KVM gives it (QEMU -cpu host; KVM only). Or a QEMU CPU model name (qemu-system-x86_64 -cpu help, e.g. Skylake-Server, EPYC, qemu64): placed only where the node's agent found that model runs without missing features. Letters, digits, '.', '_' and '-', at most 64.")]
    public string? Model { get; set; }
}

public sealed class MemorySpec
{
    /// <summary>Guest RAM as a Kubernetes quantity, e.g. 30Gi.</summary>
    [JsonPropertyName("size")]
    [RequiredField]
    [MaxLength(24)]
    [Pattern("^[0-9]{1,19}(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")]
    [XValidation(
        "quantity(self).isInteger() && quantity(self).isGreaterThan(quantity('0'))",
        "must be greater than zero and fit in a 64-bit number of bytes")]
    [Description("Guest RAM as a Kubernetes quantity of whole bytes (e.g. 512Mi, 30Gi). Must be a multiple of the page size times spec.numa.guestNodes.")]
    public string Size { get; set; } = string.Empty;

    [JsonPropertyName("hugepages")]
    [Description("Back guest RAM with hugepages of this size from the host's per-NUMA-node pools. Omit for ordinary 4Ki pages.")]
    public HugepagesSpec? Hugepages { get; set; }
}

public sealed class HugepagesSpec
{
    /// <summary>2Mi or 1Gi.</summary>
    [JsonPropertyName("pageSize")]
    [RequiredField]
    [EnumValues("2Mi", "1Gi")]
    [Description("Hugepage size: 2Mi or 1Gi. The host must have free pages of this size on the placed NUMA node(s).")]
    public string PageSize { get; set; } = string.Empty;
}

[XValidation(
    "!has(self.nodes) || !has(self.guestNodes) || self.nodes.split(',').map(r, r.contains('-') ? int(r.split('-')[1]) - int(r.split('-')[0]) + 1 : 1).sum() >= self.guestNodes",
    "must not exceed the number of host NUMA nodes listed in spec.numa.nodes: each guest node needs its own host node",
    FieldPath = ".guestNodes")]
public sealed class NumaSpec
{
    /// <summary>Host NUMA nodes allowed, cpuset syntax ("1", "0-1", "0,2").</summary>
    [JsonPropertyName("nodes")]
    [MaxLength(128)]
    [Pattern("^[0-9]{1,3}(-[0-9]{1,3})?(,[0-9]{1,3}(-[0-9]{1,3})?)*$")]
    [XValidation(
        "self.split(',').all(r, r.split('-').all(n, int(n) <= 255) && (!r.contains('-') || int(r.split('-')[0]) <= int(r.split('-')[1])))",
        "host NUMA node ids must be between 0 and 255 and every range must be ascending (\"0-3\", not \"3-0\")")]
    [Description("Host NUMA nodes the VM may be placed on, cpuset syntax (\"1\", \"0-1\", \"0,2\"). Omit to allow every node. Each guest node is bound to a different one of them.")]
    public string? Nodes { get; set; }

    /// <summary>Guest NUMA nodes; each bound to a different host NUMA node.</summary>
    [JsonPropertyName("guestNodes")]
    [DefaultValue(1)]
    [Minimum(1)]
    [Maximum(64)]
    [Description("Number of guest NUMA nodes, 1 to 64 (default 1). Each is bound to a different host NUMA node; memory and vCPUs are split evenly between them.")]
    public int? GuestNodes { get; set; }

    /// <summary>Strict (bind) or Preferred.</summary>
    [JsonPropertyName("policy")]
    [DefaultValue("Strict")]
    [EnumValues("Strict", "Preferred")]
    [Description("Strict (default): memory is bound to the placed host nodes (QEMU policy=bind); the VM fails rather than spill. Preferred: QEMU policy=preferred, the kernel may spill to other nodes.")]
    public string? Policy { get; set; }
}

[XValidation("!has(self.initrd) || has(self.kernel)", "an initrd needs a kernel", FieldPath = ".kernel", Reason = "FieldValueRequired")]
[XValidation("!has(self.cmdline) || has(self.kernel)", "a cmdline needs a kernel", FieldPath = ".kernel", Reason = "FieldValueRequired")]
public sealed class BootSpec
{
    [JsonPropertyName("kernel")]
    [MaxLength(255)]
    [Pattern("^[A-Za-z0-9_][A-Za-z0-9._+-]*(/[A-Za-z0-9_][A-Za-z0-9._+-]*)*$")]
    [Description("Linux kernel file (bzImage) for QEMU -kernel: a relative file name under the agent's image root, segments of [A-Za-z0-9._+-] separated by '/', none starting with '.' or '-'.")]
    public string? Kernel { get; set; }

    [JsonPropertyName("initrd")]
    [MaxLength(255)]
    [Pattern("^[A-Za-z0-9_][A-Za-z0-9._+-]*(/[A-Za-z0-9_][A-Za-z0-9._+-]*)*$")]
    [Description("Initial ramdisk for QEMU -initrd, a file name under the agent's image root like kernel. Needs kernel.")]
    public string? Initrd { get; set; }

    [JsonPropertyName("cmdline")]
    [MaxLength(4096)]
    [Pattern("^[^\\x00-\\x1F\\x7F-\\x9F]*$")]
    [Description("Kernel command line (QEMU -append), e.g. console=ttyS0. At most 4096 characters, no control characters. Needs kernel.")]
    public string? Cmdline { get; set; }

    [JsonPropertyName("disk")]
    [Description("The VM's root disk, attached as a virtio block device.")]
    public DiskSpec? Disk { get; set; }
}

public sealed class DiskSpec
{
    [JsonPropertyName("image")]
    [RequiredField]
    [MaxLength(255)]
    [Pattern("^[A-Za-z0-9_][A-Za-z0-9._+-]*(/[A-Za-z0-9_][A-Za-z0-9._+-]*)*$")]
    [Description("Disk image file under the agent's image root, a relative file name like boot.kernel (e.g. debian.qcow2).")]
    public string Image { get; set; } = string.Empty;

    /// <summary>qcow2 or raw.</summary>
    [JsonPropertyName("format")]
    [EnumValues("qcow2", "raw")]
    [Description("Image format: qcow2 or raw. Omit to let the agent use qcow2 for *.qcow2 files and raw otherwise.")]
    public string? Format { get; set; }
}

public sealed partial class NumaVirtualMachineStatus
{
    [JsonPropertyName("phase")]
    [EnumValues(VmConditions.PhasePending, VmConditions.PhaseScheduled, VmConditions.PhaseStarting, VmConditions.PhaseRunning, VmConditions.PhaseStopping, VmConditions.PhaseStopped, VmConditions.PhaseFailed)]
    [Description("Lifecycle phase: Pending (not placed yet), Scheduled (placed on a node), Starting, Running, Stopping, Stopped (not wanted running by spec.runStrategy or spec.running, or waiting for a restart: see the Running condition) or Failed (see conditions).")]
    public string? Phase { get; set; }

    [JsonPropertyName("observedGeneration")]
    [Minimum(0)]
    [Description("The metadata.generation this status describes; status is current when it equals metadata.generation (kstatus, Flux).")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("nodeName")]
    [MaxLength(253)]
    [Description("Kubernetes node the VM is placed on; its agent runs the QEMU process.")]
    public string? NodeName { get; set; }

    [JsonPropertyName("placement")]
    [Description("Where the controller placed the VM: one entry per guest NUMA node with its host NUMA node, vCPUs, pinned host CPUs and memory.")]
    public PlacementStatus? Placement { get; set; }

    [JsonPropertyName("numastat")]
    [Description("Where guest RAM really is, measured by the agent from /proc/PID/numa_maps of the QEMU process; never copied from the placement.")]
    public NumastatStatus? Numastat { get; set; }

    [JsonPropertyName("conditions")]
    [MaxItems(16)]
    [Description("Conditions (metav1.Condition): Scheduled, Running, NumaAligned, Ready (True only when Running and NumaAligned are True for the current generation), Reconciling and Stalled (set only while abnormal).")]
    public IList<V1Condition>? Conditions { get; set; }
}

public sealed class PlacementStatus
{
    [JsonPropertyName("pageSize")]
    [MaxLength(16)]
    [Description("Page size backing guest RAM: 2Mi or 1Gi for hugepages, 4Ki for ordinary pages.")]
    public string PageSize { get; set; } = string.Empty;

    [JsonPropertyName("guestNodes")]
    [MaxItems(64)]
    [Description("One entry per guest NUMA node, in guest node order.")]
    public IList<GuestNodePlacementStatus> GuestNodes { get; set; } = [];

    [JsonPropertyName("accelerator")]
    [EnumValues("KVM", "Emulation")]
    [Description("The accelerator the VM runs under on this node: KVM or Emulation (QEMU TCG), chosen from what the node's agent found working and spec.accelerator.")]
    public string? Accelerator { get; set; }

    [JsonPropertyName("cpuModel")]
    [MaxLength(64)]
    [Description("spec.cpu.model as placed (host-passthrough, host-model or a QEMU model name); the node runs it under the accelerator above.")]
    public string? CpuModel { get; set; }

    [JsonPropertyName("policy")]
    [EnumValues("Strict", "Preferred")]
    [Description("spec.numa.policy as placed: Strict binds each guest node's memory to its host node (policy=bind), Preferred lets the kernel spill.")]
    public string? Policy { get; set; }
}

public sealed class GuestNodePlacementStatus
{
    [JsonPropertyName("guestNode")]
    [Minimum(0)]
    [Description("Guest NUMA node id, 0 to spec.numa.guestNodes - 1.")]
    public int GuestNode { get; set; }

    [JsonPropertyName("hostNode")]
    [Minimum(0)]
    [Description("Host NUMA node this guest node's memory is bound to (QEMU memory backend host-nodes) and its vCPUs run on.")]
    public int HostNode { get; set; }

    /// <summary>Guest vCPU indexes, cpuset syntax.</summary>
    [JsonPropertyName("vcpus")]
    [MaxLength(4096)]
    [Description("Guest vCPU indexes of this guest node, cpuset syntax (e.g. 0-3).")]
    public string Vcpus { get; set; } = string.Empty;

    /// <summary>Host CPUs pinned to those vCPUs, cpuset syntax; empty when not dedicated.</summary>
    [JsonPropertyName("hostCpus")]
    [MaxLength(4096)]
    [Description("Host CPUs those vCPUs are pinned to, in vCPU order, cpuset syntax; empty when spec.cpu.dedicated is false.")]
    public string HostCpus { get; set; } = string.Empty;

    [JsonPropertyName("memory")]
    [MaxLength(24)]
    [Description("Guest RAM of this guest node, a quantity (e.g. 15Gi).")]
    public string Memory { get; set; } = string.Empty;
}

public sealed class NumastatStatus
{
    [JsonPropertyName("sampledAt")]
    [Description("When numa_maps was read (RFC 3339).")]
    public DateTime? SampledAt { get; set; }

    [JsonPropertyName("nodes")]
    [MaxItems(1024)]
    [Description("Bytes of guest RAM found on each host NUMA node, including nodes the VM was not placed on.")]
    public IList<NumastatNode> Nodes { get; set; } = [];

    /// <summary>Each guest node's bytes on its own placed host node / all guest RAM bytes, three decimals.</summary>
    [JsonPropertyName("localRatio")]
    [MaxLength(8)]
    [Description("Bytes of guest RAM on the host node its guest node was placed on, divided by all guest RAM bytes, three decimals (\"1.000\" = fully local; a guest node's memory on another guest node's host node is not local).")]
    public string? LocalRatio { get; set; }

    [JsonPropertyName("guestNodes")]
    [MaxItems(64)]
    [Description("Measured per guest NUMA node (its memory backend), in guest node order: the host node it was placed on and where its bytes are.")]
    public IList<NumastatGuestNode>? GuestNodes { get; set; }
}

public sealed class NumastatGuestNode
{
    [JsonPropertyName("guestNode")]
    [Minimum(0)]
    [Description("Guest NUMA node id.")]
    public int GuestNode { get; set; }

    [JsonPropertyName("hostNode")]
    [Minimum(0)]
    [Description("The host NUMA node this guest node was placed on (status.placement).")]
    public int HostNode { get; set; }

    [JsonPropertyName("nodes")]
    [MaxItems(1024)]
    [Description("Bytes of this guest node's RAM found on each host NUMA node: its placed host node always, any other only when some bytes are there.")]
    public IList<NumastatNode> Nodes { get; set; } = [];

    [JsonPropertyName("policy")]
    [MaxLength(64)]
    [Description("The memory policy of its backend as the kernel reports it in numa_maps (\"bind:1\", \"prefer:1\", \"default\"); absent when the backend was not found.")]
    public string? Policy { get; set; }
}

public sealed class NumastatNode
{
    [JsonPropertyName("node")]
    [Minimum(0)]
    [Description("Host NUMA node id.")]
    public int Node { get; set; }

    [JsonPropertyName("bytes")]
    [Minimum(0)]
    [Description("Bytes of guest RAM on that node (huge page counts multiplied by the page size).")]
    public long Bytes { get; set; }
}
