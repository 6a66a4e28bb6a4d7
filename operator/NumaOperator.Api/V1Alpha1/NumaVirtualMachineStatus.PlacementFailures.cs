using System.ComponentModel;
using System.Text.Json.Serialization;
using NumaOperator.Api.Crds;

namespace NumaOperator.Api.V1Alpha1;

public sealed partial class NumaVirtualMachineStatus
{
    [JsonPropertyName("placementFailures")]
    [MaxItems(PlacementFailureStatus.MaxRecorded)]
    [Description("Recent placements the node's agent refused for lack of free hugepages (Running=False reason InsufficientHugepages), newest last: the controller released each, placed the VM again away from the failed host NUMA nodes and, after too many, reports it Unschedulable.")]
    public IList<PlacementFailureStatus>? PlacementFailures { get; set; }
}

/// <summary>One placement the node's agent refused at pre-flight for lack of free hugepages.</summary>
public sealed class PlacementFailureStatus
{
    /// <summary>At most this many are kept (the oldest are dropped).</summary>
    public const int MaxRecorded = 8;

    [JsonPropertyName("nodeName")]
    [MaxLength(253)]
    [Description("The node whose agent refused the placement.")]
    public string NodeName { get; set; } = string.Empty;

    [JsonPropertyName("hostNodes")]
    [MaxLength(4096)]
    [Description("The host NUMA nodes of the refused placement, cpuset syntax (e.g. \"1\" or \"0-1\"); avoided for this VM while the failure is recent.")]
    public string HostNodes { get; set; } = string.Empty;

    [JsonPropertyName("time")]
    [Description("When the controller released the refused placement (RFC 3339).")]
    public DateTime Time { get; set; }

    [JsonPropertyName("message")]
    [MaxLength(1024)]
    [Description("The agent's pre-flight message (free pages found, pages needed).")]
    public string Message { get; set; } = string.Empty;
}
