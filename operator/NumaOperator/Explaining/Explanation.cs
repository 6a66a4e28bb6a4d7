namespace NumaOperator.Cli.Explaining;

/// <summary>
/// Why a NumaVirtualMachine is where it is, for a human (<see cref="ExplanationText"/>) or a script (JSON). Built by
/// <see cref="ExplanationBuilder"/> from objects read from the cluster; holds no I/O handles. Sections that do not
/// apply are null.
/// </summary>
public sealed record Explanation(
    string Vm,
    string Verdict,
    string? Phase,
    long? Generation,
    long? ObservedGeneration,
    string? GenerationNote,
    bool Deleting,
    IReadOnlyList<ConditionView> Conditions,
    SpecErrorsView? InvalidSpec,
    SchedulingView? Scheduling,
    PlacementView? Placement,
    NumastatView? Numastat,
    IReadOnlyList<EventView> Warnings)
{
    /// <summary>status.interfaces: each NIC and where its forwards listen on the host; empty without network or while stopped.</summary>
    public IReadOnlyList<InterfaceView> Interfaces { get; init; } = [];

    /// <summary>status.migration: the VM's latest live migration; null when it never had one.</summary>
    public MigrationView? Migration { get; init; }
}

/// <param name="Stale">The condition was written for an older metadata.generation than the current one.</param>
public sealed record ConditionView(string Type, string Status, string? Reason, string? Message, DateTime? LastTransitionTime, string Age, long? ObservedGeneration, bool Stale);

/// <summary>The spec's field errors as the controller's validation reports them: path, allowed values (in Detail).</summary>
public sealed record SpecErrorsView(string? Reason, IReadOnlyList<FieldErrorView> Errors);

public sealed record FieldErrorView(string Path, string Type, string? Value, string Detail, string Text);

/// <summary>
/// Why the VM is not placed, recomputed with the controller's placement engine over the ledger rebuilt from every
/// VM's status.placement. <see cref="RecordedMessage"/> is what the controller last wrote; <see cref="Summary"/> is
/// what the engine says now (they differ only when capacity changed since).
/// </summary>
public sealed record SchedulingView(
    string? RecordedReason,
    string? RecordedMessage,
    RequestView? Request,
    string? Summary,
    string? FitsNowOn,
    IReadOnlyList<NodeView> Nodes,
    IReadOnlyList<string> NodesNotConsidered);

/// <summary>What the VM asks of one host NUMA node per guest node.</summary>
public sealed record RequestView(int Vcpus, bool Dedicated, int GuestNodes, string PageSize, long MemoryPerGuestNodeBytes, long PagesPerGuestNode, int VcpusPerGuestNode, string? AllowedHostNodes, IReadOnlyDictionary<string, string> NodeSelector, string Accelerator, string CpuModel);

/// <param name="Reason">Why the engine rejects the node; null when it fits.</param>
/// <param name="Accelerators">What the node's agent found each accelerator runs ("KVM not usable: ...; Emulation usable: host-model, ..."); null without QEMU facts.</param>
public sealed record NodeView(string Node, string? Reason, IReadOnlyList<NumaNodeView> NumaNodes, string? Accelerators = null);

/// <summary>One host NUMA node of a node, as the ledger sees it for the VM's page size.</summary>
public sealed record NumaNodeView(int Id, bool Allowed, string PageSize, long FreePages, long CapacityPages, int FreeCpus, int UsableCpus, bool EnoughPages, bool EnoughCpus);

public sealed record PlacementView(string Node, string PageSize, IReadOnlyList<GuestNodeView> GuestNodes, string HostNodes, string? Accelerator = null, string? CpuModel = null);

public sealed record GuestNodeView(int GuestNode, int HostNode, string Vcpus, string HostCpus, string Memory);

/// <summary>The agent's numa_maps measurement and its verdict; <see cref="Plain"/> says where memory is against where it was placed.</summary>
public sealed record NumastatView(
    DateTime? SampledAt,
    string Age,
    string? LocalRatio,
    IReadOnlyList<MeasuredNodeView> Nodes,
    string? Aligned,
    string? Reason,
    string? Message,
    string Plain,
    IReadOnlyList<MeasuredGuestNodeView>? GuestNodes = null);

public sealed record MeasuredNodeView(int Node, long Bytes, string Human, bool Placed);

/// <summary>One guest node as measured: where its placement put it, where its bytes are (Placed = its own host node), its backend's policy.</summary>
public sealed record MeasuredGuestNodeView(int GuestNode, int HostNode, string? Policy, IReadOnlyList<MeasuredNodeView> Nodes, bool Local);

public sealed record EventView(string Reason, int Count, string Message, DateTime? LastSeen, string Age, string? Source);
