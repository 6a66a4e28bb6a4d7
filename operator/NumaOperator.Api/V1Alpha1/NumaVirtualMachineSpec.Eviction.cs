using System.ComponentModel;
using System.Text.Json.Serialization;
using NumaOperator.Api.Crds;
using NumaOperator.Api.Status;

namespace NumaOperator.Api.V1Alpha1;

public sealed partial class NumaVirtualMachineSpec
{
    [JsonPropertyName("evictionStrategy")]
    [EnumValues(EvictionStrategies.None, EvictionStrategies.LiveMigrate)]
    [Description("What an evacuation of the VM's node does to it (KubeVirt's names). LiveMigrate: the controller migrates it live to another node. None (default): it is left running and holds the evacuation up (reported on the node's NumaNodeTopology).")]
    public string? EvictionStrategy { get; set; }
}
