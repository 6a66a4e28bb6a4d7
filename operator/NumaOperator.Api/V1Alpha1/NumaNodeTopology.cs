using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

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
    public NumaNodeTopologySpec? Spec { get; set; }

    [JsonPropertyName("status")]
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
    public string? ReservedCpus { get; set; }
}

public sealed class NumaNodeTopologyStatus
{
    [JsonPropertyName("heartbeatTime")]
    public DateTime? HeartbeatTime { get; set; }

    [JsonPropertyName("qemu")]
    public QemuInfo? Qemu { get; set; }

    [JsonPropertyName("numaNodes")]
    public IList<NumaNodeStatus> NumaNodes { get; set; } = [];

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}

public sealed class QemuInfo
{
    [JsonPropertyName("version")]
    public string? Version { get; set; }

    [JsonPropertyName("kvm")]
    public bool Kvm { get; set; }
}

public sealed class NumaNodeStatus
{
    [JsonPropertyName("id")]
    public int Id { get; set; }

    /// <summary>Online CPUs, cpuset syntax; empty for a memory-only node.</summary>
    [JsonPropertyName("cpus")]
    public string Cpus { get; set; } = string.Empty;

    /// <summary>Physical cores, each the list of its SMT sibling CPUs.</summary>
    [JsonPropertyName("cores")]
    public IList<IList<int>> Cores { get; set; } = [];

    [JsonPropertyName("memoryBytes")]
    public long MemoryBytes { get; set; }

    [JsonPropertyName("hugepages")]
    public IList<HugepagePoolStatus> Hugepages { get; set; } = [];

    [JsonPropertyName("distances")]
    public IList<int> Distances { get; set; } = [];
}

public sealed class HugepagePoolStatus
{
    [JsonPropertyName("pageSize")]
    public string PageSize { get; set; } = string.Empty;

    [JsonPropertyName("total")]
    public long Total { get; set; }

    [JsonPropertyName("free")]
    public long Free { get; set; }
}
