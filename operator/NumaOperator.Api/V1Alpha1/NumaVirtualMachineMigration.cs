using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using NumaOperator.Api.Crds;
using NumaOperator.Api.Status;

namespace NumaOperator.Api.V1Alpha1;

/// <summary>
/// A request to move one running VM, live, to another node or to other host NUMA nodes of the same node (KubeVirt's
/// VirtualMachineInstanceMigration is the model). The controller picks the target with the placement engine and holds
/// both placements in the ledger while the move runs; the target node's agent starts QEMU with <c>-incoming</c>, the
/// source node's agent migrates over QMP, the target measures numa_maps before the VM is declared moved, and the
/// controller then moves status.placement. Any failure leaves the VM running on its source. Deleting it cancels a move
/// that has not completed. The phases and who writes each: <see cref="MigrationPhases"/>.
/// </summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = Plural)]
public sealed class NumaVirtualMachineMigration : IKubernetesObject<V1ObjectMeta>, ISpec<NumaVirtualMachineMigrationSpec>, IStatus<NumaVirtualMachineMigrationStatus?>
{
    public const string KubeKind = "NumaVirtualMachineMigration";
    public const string Plural = "numavirtualmachinemigrations";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    [XValidation("self == oldSelf", "spec is immutable: delete this migration and create a new one", Reason = "FieldValueForbidden")]
    [Description("Which VM to move, and optionally where to.")]
    public NumaVirtualMachineMigrationSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    [Description("Where the move stands: phase, source and target placements, progress, and why it failed.")]
    public NumaVirtualMachineMigrationStatus? Status { get; set; }

    [JsonIgnore]
    public string Key => ObjectKeys.Namespaced(Metadata.NamespaceProperty, Metadata.Name);
}

public sealed class NumaVirtualMachineMigrationList : IKubernetesObject<V1ListMeta>, IItems<NumaVirtualMachineMigration>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = NumaVirtualMachineMigration.KubeKind + "List";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<NumaVirtualMachineMigration> Items { get; set; } = [];
}

public sealed class NumaVirtualMachineMigrationSpec
{
    [JsonPropertyName("vmName")]
    [RequiredField]
    [MaxLength(253)]
    [Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    [Description("The NumaVirtualMachine to move, in the migration's namespace. It must be Running.")]
    public string VmName { get; set; } = string.Empty;

    [JsonPropertyName("targetNode")]
    [MaxLength(253)]
    [Description("The node to move to. Omitted: any node the placement engine finds, the VM's own node included (a move to other NUMA nodes of the same host).")]
    public string? TargetNode { get; set; }

    [JsonPropertyName("targetNumaNodes")]
    [MaxLength(4096)]
    [Pattern("^[0-9]{1,5}(-[0-9]{1,5})?(,[0-9]{1,5}(-[0-9]{1,5})?)*$")]
    [XValidation(
        "self.split(',').all(r, r.split('-').all(n, int(n) <= 255) && (!r.contains('-') || int(r.split('-')[0]) <= int(r.split('-')[1])))",
        "host NUMA node ids must be between 0 and 255 and every range must be ascending (\"0-3\", not \"3-0\")")]
    [Description("Host NUMA nodes of the target node the VM's memory may move to, cpuset syntax (e.g. \"1\"); overrides spec.numa.nodes of the VM for this move. Omitted: the VM's own spec.numa.nodes. The target placement always differs from the current one.")]
    public string? TargetNumaNodes { get; set; }

    [JsonPropertyName("bandwidth")]
    [MaxLength(24)]
    [Pattern("^[0-9]{1,19}(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")]
    [XValidation("quantity(self).isInteger() && quantity(self).isGreaterThan(quantity('0'))", "must be a positive quantity of bytes per second (e.g. \"64Mi\")")]
    [Description("Upper bound of the migration stream, a quantity of bytes per second (e.g. \"64Mi\"). Omitted: QEMU's default (unlimited on a local link).")]
    public string? Bandwidth { get; set; }

    [JsonPropertyName("completionTimeoutSeconds")]
    [Minimum(1)]
    [Description("How long the move may take from creation to Succeeded before it is cancelled and rolled back. Omitted: 600.")]
    public int? CompletionTimeoutSeconds { get; set; }
}

public sealed class NumaVirtualMachineMigrationStatus
{
    [JsonPropertyName("phase")]
    [EnumValues(MigrationPhases.Pending, MigrationPhases.Scheduled, MigrationPhases.TargetReady, MigrationPhases.Running, MigrationPhases.TargetRunning, MigrationPhases.Succeeded, MigrationPhases.Failed)]
    [Description("Pending: not handled yet. Scheduled: the controller chose and holds the target placement. TargetReady: the target's QEMU listens (-incoming). Running: the source's QEMU sends its state. TargetRunning: the target received it, measured numa_maps, and resumed the guest. Succeeded: the VM's status.placement is the target's (the source released). Failed: see reason; the VM runs on its source as before.")]
    public string? Phase { get; set; }

    [JsonPropertyName("vmUid")]
    [MaxLength(128)]
    [Description("metadata.uid of the VM moved (the move is bound to that object, not to its name).")]
    public string? VmUid { get; set; }

    [JsonPropertyName("sourceNode")]
    [MaxLength(253)]
    [Description("The node the VM ran on when the move was scheduled.")]
    public string? SourceNode { get; set; }

    [JsonPropertyName("sourcePlacement")]
    [Description("The VM's status.placement when the move was scheduled.")]
    public PlacementStatus? SourcePlacement { get; set; }

    [JsonPropertyName("targetNode")]
    [MaxLength(253)]
    [Description("The node the controller chose.")]
    public string? TargetNode { get; set; }

    [JsonPropertyName("targetPlacement")]
    [Description("The placement the controller chose and holds on the target node (host NUMA nodes, CPUs, pages); becomes the VM's status.placement on success.")]
    public PlacementStatus? TargetPlacement { get; set; }

    [JsonPropertyName("targetAddress")]
    [MaxLength(512)]
    [Description("host:port where the target's QEMU listens for the migration stream (written by the target's agent).")]
    public string? TargetAddress { get; set; }

    [JsonPropertyName("progress")]
    [Description("The migration stream as the source's QEMU reports it (query-migrate), updated about once a second.")]
    public MigrationProgress? Progress { get; set; }

    [JsonPropertyName("targetNumastat")]
    [Description("Where the target QEMU's guest RAM was measured (numa_maps) before the guest resumed there.")]
    public NumastatStatus? TargetNumastat { get; set; }

    [JsonPropertyName("startTime")]
    [Description("When the controller scheduled the move.")]
    public DateTime? StartTime { get; set; }

    [JsonPropertyName("completionTime")]
    [Description("When the move ended (Succeeded or Failed).")]
    public DateTime? CompletionTime { get; set; }

    [JsonPropertyName("reason")]
    [EnumValues(MigrationReasons.InvalidRequest, MigrationReasons.VmNotRunning, MigrationReasons.AlreadyMigrating, MigrationReasons.Unschedulable, MigrationReasons.TargetFailed, MigrationReasons.MigrationFailed, MigrationReasons.TargetNotAligned, MigrationReasons.TimedOut, MigrationReasons.SourceLost, MigrationReasons.Cancelled)]
    [Description("Why the move failed (phase Failed only).")]
    public string? Reason { get; set; }

    [JsonPropertyName("message")]
    [MaxLength(4096)]
    [Description("What happened, in words: the target chosen, or why the move failed and what was rolled back.")]
    public string? Message { get; set; }

    [JsonPropertyName("conditions")]
    [Description("Standard conditions: Ready is True when Succeeded, False with the reason when Failed, Unknown while the move runs (kstatus reads a move in progress as InProgress).")]
    public IList<V1Condition>? Conditions { get; set; }

    [JsonPropertyName("observedGeneration")]
    [Description("metadata.generation the controller last acted on.")]
    public long? ObservedGeneration { get; set; }
}

/// <summary>The migration stream as QEMU's query-migrate reports it on the source.</summary>
public sealed class MigrationProgress
{
    [JsonPropertyName("dataTotal")]
    [Description("Bytes of guest RAM (plus disks when block-migrated) to send, as QEMU counts them.")]
    public long? DataTotal { get; set; }

    [JsonPropertyName("dataProcessed")]
    [Description("Bytes sent so far (all passes).")]
    public long? DataProcessed { get; set; }

    [JsonPropertyName("dataRemaining")]
    [Description("Bytes still to send in this pass.")]
    public long? DataRemaining { get; set; }

    [JsonPropertyName("iterations")]
    [Description("Passes over dirty memory so far (QEMU's dirty-sync-count).")]
    public long? Iterations { get; set; }

    [JsonPropertyName("elapsedMilliseconds")]
    [Description("Time since QEMU started migrating.")]
    public long? ElapsedMilliseconds { get; set; }

    [JsonPropertyName("downtimeMilliseconds")]
    [Description("How long the guest was paused at the switch-over (measured once it completed; expected downtime before).")]
    public long? DowntimeMilliseconds { get; set; }

    [JsonPropertyName("disks")]
    [EnumValues(MigrationDiskModes.Shared, MigrationDiskModes.BlockMigrated)]
    [Description("How the per-VM disks moved: Shared (same node: the target opens the very files) or BlockMigrated (another node: the overlay and data disks are streamed with the RAM, the base image is expected on the target under the same image root).")]
    public string? Disks { get; set; }
}
