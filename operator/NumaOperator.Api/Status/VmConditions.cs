namespace NumaOperator.Api.Status;

/// <summary>
/// The status vocabulary of a NumaVirtualMachine: its phases, condition types and the reasons more than one writer
/// (controller, agent, the GitOps summary) or reader (explain, standalone) must agree on. docs/api.md, "Status", has the state table these names appear in.
/// </summary>
public static class VmConditions
{
    public const string Scheduled = "Scheduled";
    public const string Running = "Running";
    public const string NumaAligned = "NumaAligned";
    public const string Ready = "Ready";
    public const string Reconciling = "Reconciling";
    public const string Stalled = "Stalled";
    public const string RestartRequired = "RestartRequired";

    public const string True = "True";
    public const string False = "False";
    public const string Unknown = "Unknown";

    /// <summary>Ready=Unknown and Stalled=True: the node's agent stopped renewing its heartbeat (the controller's verdict).</summary>
    public const string ReasonNodeLost = "NodeLost";

    /// <summary>Stalled=True: a Strict VM's measured memory is not on its placed host NUMA nodes.</summary>
    public const string ReasonNotAligned = "NotAligned";

    /// <summary>Stalled reasons only the controller sets and clears (it has no other condition recording them).</summary>
    public const string ReasonInvalidSpec = "InvalidSpec";
    public const string ReasonPlacementConflict = "PlacementConflict";

    /// <summary>Running=False reasons of the agent.</summary>
    public const string ReasonStarting = "Starting";
    public const string ReasonStopping = "Stopping";
    public const string ReasonStopped = "Stopped";
    public const string ReasonPreflightFailed = "PreflightFailed";

    /// <summary>
    /// Running=False: pre-flight found fewer free hugepages on a placed host NUMA node than the VM needs (a pod or
    /// another process holds them). Not terminal for the agent; the controller releases the placement and places the
    /// VM again elsewhere (status.placementFailures).
    /// </summary>
    public const string ReasonInsufficientHugepages = "InsufficientHugepages";
    public const string ReasonBadBootFile = "BadBootFile";
    public const string ReasonStartFailed = "StartFailed";
    public const string ReasonProcessExited = "ProcessExited";

    /// <summary>Running=False while QEMU exited on its own and the run strategy restarts it once status.restarts.nextRestartAt passes (Reconciling).</summary>
    public const string ReasonRestartBackoff = "RestartBackoff";

    /// <summary>status.phase values (the enum of the CRD's status.phase): the controller writes Pending and Scheduled, the agent the rest.</summary>
    public const string PhasePending = "Pending";
    public const string PhaseScheduled = "Scheduled";
    public const string PhaseStarting = "Starting";
    public const string PhaseRunning = "Running";
    public const string PhaseStopping = "Stopping";
    public const string PhaseStopped = "Stopped";
    public const string PhaseFailed = "Failed";

    /// <summary>
    /// Running=False reasons that stay until the spec changes (generation moves) or running is toggled: the agent does
    /// not retry them, so they make the VM Stalled. PreflightFailed (the host is not ready: pages, hugetlbfs, QEMU) is
    /// not among them: the agent tries again every PreflightRetryInterval, so fixing the host starts the VM. Nor is
    /// ProcessExited (written by agents before spec.runStrategy): an exit is now the run strategy's to decide.
    /// </summary>
    public static IReadOnlySet<string> TerminalFailures { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        ReasonBadBootFile, ReasonStartFailed,
    };

    public static IReadOnlySet<string> ControllerStalledReasons { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        ReasonInvalidSpec, ReasonPlacementConflict,
    };
}
