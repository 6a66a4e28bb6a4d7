using System.ComponentModel;
using System.Text.Json.Serialization;
using NumaOperator.Api.Crds;

namespace NumaOperator.Api.V1Alpha1;

/// <summary>
/// NumaNodeTopology status.evacuation: the controller's account of a node being emptied (spec.evacuate true), the
/// nearest thing to `kubectl drain` output that a script can poll.
/// </summary>
public sealed class NodeEvacuationStatus
{
    /// <summary>The label every migration created for an evacuation carries, valued with the node's name.</summary>
    public const string MigrationLabel = "numaoperator.io/evacuation";

    [JsonPropertyName("requestedAt")]
    [Description("When the controller first saw spec.evacuate true; migrations of this evacuation were created after it.")]
    public DateTime? RequestedAt { get; set; }

    [JsonPropertyName("vmsRemaining")]
    [Minimum(0)]
    [Description("VMs still on this node (migrating, waiting for a migration slot or a retry, or blocked). 0: the node is empty.")]
    public int VmsRemaining { get; set; }

    [JsonPropertyName("migrating")]
    [MaxItems(4096)]
    [MaxLength(512)]
    [Description("The VMs (NAMESPACE/NAME) with a migration off this node in progress.")]
    public IList<string> Migrating { get; set; } = [];

    [JsonPropertyName("blocked")]
    [MaxItems(4096)]
    [Description("The VMs that hold the evacuation up and will not move by themselves: evictionStrategy None, or every retry of their migration failed.")]
    public IList<EvacuationBlockedVm> Blocked { get; set; } = [];

    [JsonPropertyName("message")]
    [MaxLength(4096)]
    [Description("The evacuation in words: done, how many VMs migrate, wait or are blocked.")]
    public string? Message { get; set; }
}

/// <summary>A VM that an evacuation cannot move.</summary>
public sealed class EvacuationBlockedVm
{
    [JsonPropertyName("name")]
    [MaxLength(512)]
    [Description("The VM, NAMESPACE/NAME.")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("reason")]
    [MaxLength(4096)]
    [Description("Why it does not move: evictionStrategy None (stop or migrate it yourself), or the last failed migration's reason and message.")]
    public string Reason { get; set; } = string.Empty;
}
