using System.Globalization;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Controller.Migration;

/// <summary>Why a migration cannot go on: status.reason and the message naming the field or fact.</summary>
public sealed record MigrationRefusal(string Reason, string Message);

/// <summary>
/// The controller's judgements of a NumaVirtualMachineMigration. Pure: no clock (the time is passed in), no I/O; the
/// ledger is read, and written only by <see cref="ChooseTarget"/>'s temporary blockers, released before it returns.
/// </summary>
public static class MigrationDecision
{
    private const string BlockerPrefix = "\0migration-blocker/";

    /// <summary>
    /// A Pending migration checked against the world: null when it may be scheduled, else the refusal.
    /// <paramref name="vm"/> is the VM named by spec.vmName in the migration's namespace (null: none);
    /// <paramref name="competing"/> names another migration of the same VM that has not ended and goes first (null: none);
    /// <paramref name="targetNodeExists"/> whether spec.targetNode names a Node (true when it is omitted).
    /// </summary>
    public static MigrationRefusal? Admit(
        NumaVirtualMachineMigration migration,
        MigrationValidationResult validation,
        NumaVirtualMachine? vm,
        string? competing,
        bool targetNodeExists)
    {
        ArgumentNullException.ThrowIfNull(migration);
        ArgumentNullException.ThrowIfNull(validation);
        if (!validation.IsValid)
        {
            return new(MigrationReasons.InvalidRequest, validation.Summary);
        }

        var ns = migration.Metadata.NamespaceProperty;
        if (vm is null)
        {
            return new(MigrationReasons.InvalidRequest, $"spec.vmName: Not found: \"{migration.Spec.VmName}\": no NumaVirtualMachine of that name in namespace {ns}");
        }

        if (vm.Metadata.DeletionTimestamp is not null)
        {
            return new(MigrationReasons.VmNotRunning, $"spec.vmName: the NumaVirtualMachine {vm.Metadata.Name} is being deleted");
        }

        if (vm.Status?.Phase != VmConditions.PhaseRunning || vm.Status.Placement is null || string.IsNullOrEmpty(vm.Status.NodeName))
        {
            var phase = vm.Status?.Phase ?? "Pending";
            return new(MigrationReasons.VmNotRunning, $"spec.vmName: the NumaVirtualMachine {vm.Metadata.Name} is {phase}, not Running on a node with a status.placement: only a running VM moves live");
        }

        if (competing is not null)
        {
            return new(MigrationReasons.AlreadyMigrating, $"spec.vmName: the NumaVirtualMachine {vm.Metadata.Name} is already being moved by NumaVirtualMachineMigration {competing}; delete that one or wait for it to end");
        }

        if (!targetNodeExists)
        {
            return new(MigrationReasons.InvalidRequest, $"spec.targetNode: Not found: \"{migration.Spec.TargetNode}\": no Node of that name; omit it to let the controller choose");
        }

        return null;
    }

    /// <summary>
    /// The target placement for <paramref name="vm"/> (its request as validated), which runs at <paramref name="source"/>
    /// (held by the ledger, so its CPUs and pages are not free), with the same engine and packing policy as the
    /// scheduler. spec.targetNode limits the search to that node; spec.targetNumaNodes replaces spec.numa.nodes. The
    /// target never equals the source: when the engine's first choice is the source's node and host NUMA nodes with the
    /// same CPUs, those host NUMA nodes are blocked for a second search. Nothing is recorded.
    /// </summary>
    public static PlacementDecision ChooseTarget(PlacementLedger ledger, VmRequest vm, VmPlacement source, MigrationRequest request, PackingPolicy packing)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(request);
        var wanted = vm with { AllowedHostNodes = request.TargetNumaNodes ?? vm.AllowedHostNodes };
        var view = ledger;
        if (request.TargetNode is { } only)
        {
            if (ledger.Snapshot.Node(only) is not { } node)
            {
                return new PlacementDecision.NotSchedulable(
                    [new NodeRejection(only, "is cordoned or its agent published no NumaNodeTopology status")],
                    $"0/1 nodes fit: node {only} is cordoned or its agent published no NumaNodeTopology status");
            }

            // The same ledger's view of one node: its capacity and every placement held there, the source's included.
            view = PlacementLedger.Rebuild(new ClusterSnapshot([node]), ledger.Placements.Where(p => p.Value.NodeName == only), out _, pagesMayExceedCapacity: true);
        }

        var first = PlacementEngine.Decide(view, wanted, packing);
        if (first is not PlacementDecision.Placed placed || !SamePlace(placed.Placement, source))
        {
            return first;
        }

        var second = DecideAvoiding(view, wanted, packing, source);
        return second is PlacementDecision.Placed again && SamePlace(again.Placement, source)
            ? new PlacementDecision.NotSchedulable(
                [new NodeRejection(source.NodeName, "only the VM's current placement fits")],
                $"no placement other than the current one fits: node {source.NodeName} host NUMA node(s) {source.HostNodes} is where the VM runs now")
            : second;
    }

    /// <summary>Same node, same host NUMA nodes and same pinned CPUs: not a move.</summary>
    public static bool SamePlace(VmPlacement a, VmPlacement b) =>
        a.NodeName == b.NodeName && a.HostNodes.Equals(b.HostNodes) && a.PinnedCpus.Equals(b.PinnedCpus);

    /// <summary>Decides with every free page of the VM's size on the source's host NUMA nodes held by temporary blockers.</summary>
    private static PlacementDecision DecideAvoiding(PlacementLedger ledger, VmRequest wanted, PackingPolicy packing, VmPlacement source)
    {
        var blockers = new List<string>();
        try
        {
            foreach (var hostNode in source.HostNodes)
            {
                var free = ledger.FreePages(source.NodeName, hostNode, wanted.PageSize);
                var key = BlockerPrefix + blockers.Count.ToString(CultureInfo.InvariantCulture);
                var blocker = new VmPlacement(source.NodeName, wanted.PageSize, [new GuestNodePlacement(0, hostNode, CpuSet.Empty, CpuSet.Empty, free * wanted.PageSize.Bytes)]);
                if (free > 0 && ledger.TryPlace(key, blocker, out _))
                {
                    blockers.Add(key);
                }
            }

            return PlacementEngine.Decide(ledger, wanted, packing);
        }
        finally
        {
            foreach (var key in blockers)
            {
                ledger.Release(key);
            }
        }
    }

    /// <summary>
    /// A migration that holds its target (Scheduled to TargetRunning), judged at <paramref name="now"/>: null while it may
    /// go on, else why it fails. <paramref name="targetLost"/>/<paramref name="sourceLost"/>: the node-lost verdicts (null: alive).
    /// </summary>
    public static MigrationRefusal? JudgeInFlight(
        NumaVirtualMachineMigration migration,
        NumaVirtualMachine? vm,
        DateTime now,
        string? targetLost,
        string? sourceLost)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var status = migration.Status ?? new NumaVirtualMachineMigrationStatus();
        if (vm is null || vm.Metadata.Uid != status.VmUid || vm.Metadata.DeletionTimestamp is not null)
        {
            return new(MigrationReasons.Cancelled, $"the NumaVirtualMachine {migration.Spec.VmName} was deleted during the move; the target was released");
        }

        if (TimedOut(migration, now))
        {
            return new(MigrationReasons.TimedOut, $"spec.completionTimeoutSeconds: the move did not complete within {Timeout(migration).TotalSeconds.ToString(CultureInfo.InvariantCulture)}s of its start ({status.StartTime:yyyy-MM-ddTHH:mm:ssZ}); phase was {status.Phase}, the VM keeps running on {status.SourceNode}");
        }

        // Once the target runs the guest the source is no longer needed: only the target's loss matters then.
        if (targetLost is not null)
        {
            return new(MigrationReasons.TargetFailed, $"target node {status.TargetNode}: {targetLost}");
        }

        if (sourceLost is not null && status.Phase != MigrationPhases.TargetRunning)
        {
            return new(MigrationReasons.SourceLost, $"source node {status.SourceNode}: {sourceLost}");
        }

        return null;
    }

    /// <summary>spec.completionTimeoutSeconds (default 600).</summary>
    public static TimeSpan Timeout(NumaVirtualMachineMigration migration) =>
        TimeSpan.FromSeconds(migration.Spec.CompletionTimeoutSeconds ?? NumaVirtualMachineMigrationValidator.DefaultCompletionTimeoutSeconds);

    /// <summary>When the move times out (startTime + timeout), or null before it started.</summary>
    public static DateTime? Deadline(NumaVirtualMachineMigration migration) =>
        migration.Status?.StartTime is { } start ? start.ToUniversalTime() + Timeout(migration) : null;

    public static bool TimedOut(NumaVirtualMachineMigration migration, DateTime now) => Deadline(migration) is { } deadline && now >= deadline;

    /// <summary>The "Migrated" Event text: "moved from node A NUMA 0 to node B NUMA 1 in N s, downtime D ms".</summary>
    public static string MovedMessage(NumaVirtualMachineMigrationStatus status, DateTime completedAt)
    {
        ArgumentNullException.ThrowIfNull(status);
        var seconds = status.StartTime is { } start ? Math.Max(0, (completedAt - start.ToUniversalTime()).TotalSeconds) : 0;
        var downtime = status.Progress?.DowntimeMilliseconds is { } d ? d.ToString(CultureInfo.InvariantCulture) + " ms" : "not reported";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"moved from node {status.SourceNode} NUMA {HostNodes(status.SourcePlacement)} to node {status.TargetNode} NUMA {HostNodes(status.TargetPlacement)} in {seconds:0} s, downtime {downtime}");
    }

    private static string HostNodes(PlacementStatus? placement) =>
        placement?.GuestNodes is { Count: > 0 } nodes ? CpuSet.Of(nodes.Select(g => g.HostNode)).ToString() : "?";
}
