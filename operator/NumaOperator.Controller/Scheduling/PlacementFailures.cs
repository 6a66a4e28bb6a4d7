using System.Globalization;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Controller.Scheduling;

/// <summary>How often a VM whose placement its agent refused for lack of hugepages is placed again, and how long the refused host NUMA nodes are avoided.</summary>
/// <param name="MaxTries">Refusals within <paramref name="AvoidFor"/> after which the VM is Unschedulable until the oldest expires.</param>
/// <param name="AvoidFor">How long a refused (node, host NUMA nodes) is avoided for the VM, and how long a refusal counts.</param>
public sealed record PlacementRetryPolicy(int MaxTries, TimeSpan AvoidFor)
{
    public static PlacementRetryPolicy Default { get; } = new(3, TimeSpan.FromMinutes(5));
}

/// <summary>
/// status.placementFailures: the placements the node's agent refused at pre-flight for lack of free hugepages
/// (Running=False reason InsufficientHugepages). Pure: time is a parameter.
/// </summary>
public static class PlacementFailures
{
    /// <summary>The agent's pre-flight message when it refused the VM's current placement for lack of hugepages; else null.</summary>
    public static string? Refusal(NumaVirtualMachine vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        return ConditionList.Find(vm.Status?.Conditions, VmConditions.Running) is { Status: VmConditions.False, Reason: VmConditions.ReasonInsufficientHugepages } running
            ? running.Message ?? string.Empty
            : null;
    }

    /// <summary>The refusals that still count at <paramref name="now"/>, oldest first.</summary>
    public static IReadOnlyList<PlacementFailureStatus> Recent(IEnumerable<PlacementFailureStatus>? recorded, DateTime now, TimeSpan avoidFor) =>
        [.. (recorded ?? []).Where(f => f.Time.ToUniversalTime() + avoidFor > now).OrderBy(f => f.Time)];

    /// <summary>The recent refusals plus <paramref name="failure"/>, at most <see cref="PlacementFailureStatus.MaxRecorded"/> (the newest).</summary>
    public static List<PlacementFailureStatus> Record(IEnumerable<PlacementFailureStatus>? recorded, PlacementFailureStatus failure, DateTime now, TimeSpan avoidFor)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var kept = Recent(recorded, now, avoidFor).Append(failure).ToList();
        return kept.Skip(Math.Max(0, kept.Count - PlacementFailureStatus.MaxRecorded)).ToList();
    }

    /// <summary>"node-a host NUMA node 1" of one refusal.</summary>
    public static string Where(PlacementFailureStatus failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return $"{failure.NodeName} host NUMA node{(failure.HostNodes.Contains(',', StringComparison.Ordinal) || failure.HostNodes.Contains('-', StringComparison.Ordinal) ? "s" : string.Empty)} {failure.HostNodes}";
    }

    /// <summary>Scheduled=False's message once <see cref="PlacementRetryPolicy.MaxTries"/> refusals count.</summary>
    public static string GaveUp(IReadOnlyList<PlacementFailureStatus> recent, PlacementRetryPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(recent);
        ArgumentNullException.ThrowIfNull(policy);
        var retryAt = RetryAt(recent, policy);
        var each = string.Join("; ", recent.Select(f => $"{Where(f)}: {f.Message}"));
        return string.Create(CultureInfo.InvariantCulture, $"{recent.Count} placements in {policy.AvoidFor.TotalMinutes:0.#}m were refused by the node's pre-flight for lack of free hugepages ({each}); placing again after {retryAt:yyyy-MM-ddTHH:mm:ssZ}");
    }

    /// <summary>When the oldest counted refusal expires (the VM is then placed again).</summary>
    public static DateTime RetryAt(IReadOnlyList<PlacementFailureStatus> recent, PlacementRetryPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(recent);
        ArgumentNullException.ThrowIfNull(policy);
        return recent.Min(f => f.Time.ToUniversalTime()) + policy.AvoidFor;
    }
}
