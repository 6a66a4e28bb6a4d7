using System.ComponentModel;
using System.Text.Json.Serialization;
using NumaOperator.Api.Crds;
using NumaOperator.Api.Status;

namespace NumaOperator.Api.V1Alpha1;

public sealed partial class NumaVirtualMachineStatus
{
    [JsonPropertyName("migration")]
    [Description("The VM's latest live migration (KubeVirt's migrationState): which NumaVirtualMachineMigration, where to, and how it ended. Written by the controller.")]
    public VmMigrationState? Migration { get; set; }
}

/// <summary>The VM's view of its latest migration (written by the controller from the NumaVirtualMachineMigration).</summary>
public sealed class VmMigrationState
{
    [JsonPropertyName("name")]
    [MaxLength(253)]
    [Description("metadata.name of the NumaVirtualMachineMigration.")]
    public string? Name { get; set; }

    [JsonPropertyName("phase")]
    [EnumValues(MigrationPhases.Pending, MigrationPhases.Scheduled, MigrationPhases.TargetReady, MigrationPhases.Running, MigrationPhases.TargetRunning, MigrationPhases.Succeeded, MigrationPhases.Failed)]
    [Description("The migration's phase as last seen by the controller.")]
    public string? Phase { get; set; }

    [JsonPropertyName("sourceNode")]
    [MaxLength(253)]
    [Description("The node the VM ran on when the move started.")]
    public string? SourceNode { get; set; }

    [JsonPropertyName("targetNode")]
    [MaxLength(253)]
    [Description("The node the move goes (or went) to.")]
    public string? TargetNode { get; set; }

    [JsonPropertyName("startTime")]
    [Description("When the controller scheduled the move.")]
    public DateTime? StartTime { get; set; }

    [JsonPropertyName("endTime")]
    [Description("When the move ended (Succeeded or Failed).")]
    public DateTime? EndTime { get; set; }

    [JsonPropertyName("failed")]
    [Description("True when it ended Failed (the VM stayed on its source).")]
    public bool? Failed { get; set; }

    [JsonPropertyName("message")]
    [MaxLength(4096)]
    [Description("What happened: where the VM moved, or why the move failed.")]
    public string? Message { get; set; }
}
