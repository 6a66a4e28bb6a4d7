using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

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
    public NumaVirtualMachineSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public NumaVirtualMachineStatus? Status { get; set; }

    /// <summary>namespace/name: the key of ledgers, work queues and messages.</summary>
    [JsonIgnore]
    public string Key => $"{Metadata.NamespaceProperty ?? "default"}/{Metadata.Name}";
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

public sealed class NumaVirtualMachineSpec
{
    /// <summary>Desired power state: false stops the VM and keeps the object.</summary>
    [JsonPropertyName("running")]
    public bool? Running { get; set; }

    [JsonPropertyName("cpu")]
    public CpuSpec Cpu { get; set; } = new();

    [JsonPropertyName("memory")]
    public MemorySpec Memory { get; set; } = new();

    [JsonPropertyName("numa")]
    public NumaSpec? Numa { get; set; }

    [JsonPropertyName("nodeSelector")]
    public IDictionary<string, string>? NodeSelector { get; set; }

    [JsonPropertyName("boot")]
    public BootSpec? Boot { get; set; }
}

public sealed class CpuSpec
{
    /// <summary>Number of vCPUs, 1..1024.</summary>
    [JsonPropertyName("cores")]
    public int Cores { get; set; }

    /// <summary>Pin every vCPU to its own host CPU on the placed NUMA node(s).</summary>
    [JsonPropertyName("dedicated")]
    public bool? Dedicated { get; set; }
}

public sealed class MemorySpec
{
    /// <summary>Guest RAM as a Kubernetes quantity, e.g. 30Gi.</summary>
    [JsonPropertyName("size")]
    public string Size { get; set; } = string.Empty;

    [JsonPropertyName("hugepages")]
    public HugepagesSpec? Hugepages { get; set; }
}

public sealed class HugepagesSpec
{
    /// <summary>2Mi or 1Gi.</summary>
    [JsonPropertyName("pageSize")]
    public string PageSize { get; set; } = string.Empty;
}

public sealed class NumaSpec
{
    /// <summary>Host NUMA nodes allowed, cpuset syntax ("1", "0-1", "0,2").</summary>
    [JsonPropertyName("nodes")]
    public string? Nodes { get; set; }

    /// <summary>Guest NUMA nodes; each bound to a different host NUMA node.</summary>
    [JsonPropertyName("guestNodes")]
    public int? GuestNodes { get; set; }

    /// <summary>Strict (bind) or Preferred.</summary>
    [JsonPropertyName("policy")]
    public string? Policy { get; set; }
}

public sealed class BootSpec
{
    [JsonPropertyName("kernel")]
    public string? Kernel { get; set; }

    [JsonPropertyName("initrd")]
    public string? Initrd { get; set; }

    [JsonPropertyName("cmdline")]
    public string? Cmdline { get; set; }

    [JsonPropertyName("disk")]
    public DiskSpec? Disk { get; set; }
}

public sealed class DiskSpec
{
    [JsonPropertyName("image")]
    public string Image { get; set; } = string.Empty;

    /// <summary>qcow2 or raw.</summary>
    [JsonPropertyName("format")]
    public string? Format { get; set; }
}

public sealed class NumaVirtualMachineStatus
{
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("nodeName")]
    public string? NodeName { get; set; }

    [JsonPropertyName("placement")]
    public PlacementStatus? Placement { get; set; }

    [JsonPropertyName("numastat")]
    public NumastatStatus? Numastat { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}

public sealed class PlacementStatus
{
    [JsonPropertyName("pageSize")]
    public string PageSize { get; set; } = string.Empty;

    [JsonPropertyName("guestNodes")]
    public IList<GuestNodePlacementStatus> GuestNodes { get; set; } = [];
}

public sealed class GuestNodePlacementStatus
{
    [JsonPropertyName("guestNode")]
    public int GuestNode { get; set; }

    [JsonPropertyName("hostNode")]
    public int HostNode { get; set; }

    /// <summary>Guest vCPU indexes, cpuset syntax.</summary>
    [JsonPropertyName("vcpus")]
    public string Vcpus { get; set; } = string.Empty;

    /// <summary>Host CPUs pinned to those vCPUs, cpuset syntax; empty when not dedicated.</summary>
    [JsonPropertyName("hostCpus")]
    public string HostCpus { get; set; } = string.Empty;

    [JsonPropertyName("memory")]
    public string Memory { get; set; } = string.Empty;
}

public sealed class NumastatStatus
{
    [JsonPropertyName("sampledAt")]
    public DateTime? SampledAt { get; set; }

    [JsonPropertyName("nodes")]
    public IList<NumastatNode> Nodes { get; set; } = [];

    /// <summary>Guest RAM bytes on placed nodes / all guest RAM bytes, three decimals.</summary>
    [JsonPropertyName("localRatio")]
    public string? LocalRatio { get; set; }
}

public sealed class NumastatNode
{
    [JsonPropertyName("node")]
    public int Node { get; set; }

    [JsonPropertyName("bytes")]
    public long Bytes { get; set; }
}
