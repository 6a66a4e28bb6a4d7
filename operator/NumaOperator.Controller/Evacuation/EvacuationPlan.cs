using System.Globalization;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Controller.Evacuation;

/// <summary>A migration an evacuation creates: its deterministic name makes a repeated create a harmless 409.</summary>
public sealed record EvacuationMigration(string Namespace, string Name, string VmName, string Node, int Attempt);

/// <summary>What the evacuation controller does next: the status of every evacuating node, the migrations to create, and when to look again.</summary>
public sealed record EvacuationDecision(
    IReadOnlyDictionary<string, NodeEvacuationStatus> StatusByNode,
    IReadOnlyList<EvacuationMigration> Create,
    TimeSpan? RecheckAfter)
{
    /// <summary>No node evacuates: no status to write, nothing to create.</summary>
    public static EvacuationDecision Nothing { get; } = new(new Dictionary<string, NodeEvacuationStatus>(), [], null);
}

/// <summary>
/// Decides, for every node with spec.evacuate true, which of its VMs get a live migration now. Pure: no clock, no I/O.
/// A VM with evictionStrategy None, or one not Running, is blocked (named in the status, it holds the drain up). A
/// LiveMigrate VM gets a migration (label <see cref="NodeEvacuationStatus.MigrationLabel"/>=node, target chosen by the
/// controller's engine, which never picks an evacuating or cordoned node) while fewer than the limits run: every
/// unfinished migration in the cluster counts against <see cref="EvacuationOptions.ParallelMigrationsPerCluster"/>, every
/// one leaving the node against <see cref="EvacuationOptions.ParallelOutboundMigrationsPerNode"/>. A failed one is retried
/// after a doubling backoff, at most <see cref="EvacuationOptions.MaxAttempts"/> times, then the VM is blocked with the
/// last failure's reason. Only migrations created since the evacuation was requested count (an older drain's failures
/// do not).
/// </summary>
public static class EvacuationPlan
{
    public static EvacuationDecision Decide(
        IEnumerable<NumaNodeTopology> topologies,
        IEnumerable<NumaVirtualMachine> vms,
        IEnumerable<NumaVirtualMachineMigration> migrations,
        EvacuationOptions limits,
        DateTime now)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var evacuating = topologies.Where(Evacuates)
            .ToDictionary(t => t.Metadata.Name, t => RequestedAt(t, now), StringComparer.Ordinal);
        if (evacuating.Count == 0)
        {
            // The usual case, decided on every VM change: no node drains, so no VM or migration needs a look.
            return EvacuationDecision.Nothing;
        }

        var allVms = vms.ToList();
        var vmByKey = allVms.ToDictionary(v => v.Key, StringComparer.Ordinal);
        var allMigrations = migrations.ToList();
        var unfinished = allMigrations.Where(m => !MigrationPhases.IsTerminal(m.Status?.Phase)).ToList();
        var clusterActive = unfinished.Count;
        var outbound = unfinished
            .Select(m => m.Status?.SourceNode ?? vmByKey.GetValueOrDefault(VmKey(m))?.Status?.NodeName)
            .Where(n => n is not null)
            .GroupBy(n => n!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var moving = unfinished.Select(VmKey).ToHashSet(StringComparer.Ordinal);

        var statuses = new Dictionary<string, NodeEvacuationStatus>(StringComparer.Ordinal);
        var create = new List<EvacuationMigration>();
        DateTime? recheckAt = null;
        foreach (var (node, requestedAt) in evacuating.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var status = new NodeEvacuationStatus { RequestedAt = requestedAt };
            var waiting = 0;
            var onNode = allVms.Where(v => v.Status?.NodeName == node).OrderBy(v => v.Key, StringComparer.Ordinal).ToList();
            foreach (var vm in onNode)
            {
                var mine = allMigrations
                    .Where(m => VmKey(m) == vm.Key && IsOfEvacuation(m, node, requestedAt))
                    .ToList();
                switch (Judge(vm, mine, moving.Contains(vm.Key), limits, now, out var blockedReason, out var retryAt))
                {
                    case VmState.Migrating:
                        status.Migrating.Add(vm.Key);
                        break;
                    case VmState.Blocked:
                        status.Blocked.Add(new EvacuationBlockedVm { Name = vm.Key, Reason = blockedReason! });
                        break;
                    case VmState.Backoff:
                        waiting++;
                        recheckAt = Earliest(recheckAt, retryAt);
                        break;
                    default:
                        if (clusterActive < limits.ParallelMigrationsPerCluster && outbound.GetValueOrDefault(node) < limits.ParallelOutboundMigrationsPerNode)
                        {
                            create.Add(NewMigration(vm, node, requestedAt, mine.Count + 1));
                            status.Migrating.Add(vm.Key);
                            clusterActive++;
                            outbound[node] = outbound.GetValueOrDefault(node) + 1;
                        }
                        else
                        {
                            waiting++; // a slot frees when a running migration ends: its watch event wakes the controller
                        }

                        break;
                }
            }

            status.VmsRemaining = onNode.Count;
            status.Message = Describe(onNode.Count, status.Migrating.Count, waiting, status.Blocked.Count);
            statuses[node] = status;
        }

        return new EvacuationDecision(statuses, create, recheckAt is { } at ? (at > now ? at - now : TimeSpan.Zero) : null);
    }

    /// <summary>The name of attempt <paramref name="attempt"/> to move <paramref name="vmName"/> off for the evacuation requested at <paramref name="requestedAt"/>.</summary>
    public static string MigrationName(string vmName, DateTime requestedAt, int attempt)
    {
        ArgumentNullException.ThrowIfNull(vmName);
        var round = ToBase36(new DateTimeOffset(DateTime.SpecifyKind(requestedAt, DateTimeKind.Utc)).ToUnixTimeSeconds());
        var suffix = string.Create(CultureInfo.InvariantCulture, $"-evac-{round}-{attempt}");
        return (vmName.Length + suffix.Length > 253 ? vmName[..(253 - suffix.Length)] : vmName) + suffix;
    }

    private enum VmState
    {
        Candidate,
        Migrating,
        Backoff,
        Blocked,
    }

    private static VmState Judge(
        NumaVirtualMachine vm, List<NumaVirtualMachineMigration> mine, bool moving, EvacuationOptions limits, DateTime now, out string? blockedReason, out DateTime retryAt)
    {
        blockedReason = null;
        retryAt = now;
        if (moving || mine.Any(m => m.Status?.Phase == MigrationPhases.Succeeded))
        {
            return VmState.Migrating; // a Succeeded move leaves the node once the controller moves status.nodeName
        }

        if (EvictionStrategies.Of(vm.Spec) != EvictionStrategies.LiveMigrate)
        {
            blockedReason = "evictionStrategy None: stop or delete it, or move it with `numa-operator migrate`";
            return VmState.Blocked;
        }

        if (!ConditionList.IsTrue(vm.Status?.Conditions, VmConditions.Running))
        {
            blockedReason = "not Running: only a running VM moves live; start it, stop it elsewhere or delete it";
            return VmState.Blocked;
        }

        var failed = mine.Where(m => m.Status?.Phase == MigrationPhases.Failed).OrderBy(EndOf).ToList();
        if (failed.Count == 0)
        {
            return VmState.Candidate;
        }

        var last = failed[^1];
        if (failed.Count >= limits.MaxAttempts)
        {
            blockedReason = string.Create(CultureInfo.InvariantCulture, $"{failed.Count} migration(s) failed, last {last.Metadata.Name}: {last.Status?.Reason}: {last.Status?.Message}");
            return VmState.Blocked;
        }

        retryAt = EndOf(last) + (limits.RetryBackoff * Math.Pow(2, failed.Count - 1));
        return retryAt > now ? VmState.Backoff : VmState.Candidate;
    }

    private static EvacuationMigration NewMigration(NumaVirtualMachine vm, string node, DateTime requestedAt, int attempt) =>
        new(vm.Metadata.NamespaceProperty, MigrationName(vm.Metadata.Name, requestedAt, attempt), vm.Metadata.Name, node, attempt);

    private static bool IsOfEvacuation(NumaVirtualMachineMigration migration, string node, DateTime requestedAt) =>
        migration.Metadata.Labels?.TryGetValue(NodeEvacuationStatus.MigrationLabel, out var value) == true
        && value == node
        && (migration.Metadata.CreationTimestamp is not { } created || created >= requestedAt);

    /// <summary>Whether <paramref name="topology"/> is asked to evacuate (spec.evacuate true).</summary>
    public static bool Evacuates(NumaNodeTopology topology) => topology.Spec?.Evacuate == true;

    /// <summary>status.evacuation.requestedAt as recorded, else now (the first look), whole seconds as metav1.Time keeps it.</summary>
    private static DateTime RequestedAt(NumaNodeTopology topology, DateTime now) =>
        MetaTime.WholeSeconds(topology.Status?.Evacuation?.RequestedAt ?? now);

    private static DateTime EndOf(NumaVirtualMachineMigration m) =>
        m.Status?.CompletionTime ?? m.Metadata.CreationTimestamp ?? DateTime.MinValue;

    private static string VmKey(NumaVirtualMachineMigration m) => ObjectKeys.Namespaced(m.Metadata.NamespaceProperty, m.Spec.VmName);

    private static DateTime? Earliest(DateTime? a, DateTime b) => a is { } x && x <= b ? x : b;

    private static string Describe(int remaining, int migrating, int waiting, int blocked) =>
        remaining == 0
            ? "evacuated: no VM is left on this node"
            : string.Create(CultureInfo.InvariantCulture, $"{remaining} VM(s) left: {migrating} migrating, {waiting} waiting for a migration slot or a retry, {blocked} blocked");

    private static string ToBase36(long value)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        var text = new System.Text.StringBuilder();
        do
        {
            text.Insert(0, digits[(int)(value % 36)]);
            value /= 36;
        }
        while (value > 0);
        return text.ToString();
    }
}
