using System.Globalization;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Cli.Rendering;

/// <summary>Where a drain stands as <c>numa-operator drain</c> sees it.</summary>
public enum DrainState
{
    /// <summary>VMs are still to move, or the controller has not reported on the evacuation yet.</summary>
    Waiting,

    /// <summary>No VM is left on the node.</summary>
    Done,

    /// <summary>Every VM left is blocked (evictionStrategy None, not running, or its retries failed): waiting longer changes nothing.</summary>
    Blocked,
}

/// <summary>The live list of <c>numa-operator drain</c> and its verdict, from the VMs on the node and status.evacuation. Pure.</summary>
public static class DrainProgressText
{
    public static DrainState Judge(IReadOnlyCollection<string> vmsOnNode, NodeEvacuationStatus? evacuation)
    {
        ArgumentNullException.ThrowIfNull(vmsOnNode);
        if (vmsOnNode.Count == 0)
        {
            return DrainState.Done;
        }

        var blocked = evacuation?.Blocked.Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
        return blocked is not null && vmsOnNode.All(blocked.Contains) ? DrainState.Blocked : DrainState.Waiting;
    }

    /// <summary>"node a: 2 VM(s) left" then one line per VM: migrating, blocked (with why) or waiting.</summary>
    public static IReadOnlyList<string> Lines(string node, IReadOnlyCollection<string> vmsOnNode, NodeEvacuationStatus? evacuation)
    {
        ArgumentNullException.ThrowIfNull(vmsOnNode);
        if (vmsOnNode.Count == 0)
        {
            return [$"node {node}: evacuated, no VM is left on it"];
        }

        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"node {node}: {vmsOnNode.Count} VM(s) left{(evacuation?.Message is { Length: > 0 } m ? " (" + m + ")" : evacuation is null ? " (waiting for the controller to take up the evacuation)" : string.Empty)}"),
        };
        var migrating = evacuation?.Migrating.ToHashSet(StringComparer.Ordinal) ?? [];
        var blocked = evacuation?.Blocked.ToDictionary(b => b.Name, b => b.Reason, StringComparer.Ordinal) ?? [];
        foreach (var vm in vmsOnNode.Order(StringComparer.Ordinal))
        {
            lines.Add(migrating.Contains(vm) ? $"  {vm}: migrating"
                : blocked.TryGetValue(vm, out var why) ? $"  {vm}: blocked: {why}"
                : $"  {vm}: waiting for a migration slot or a retry");
        }

        return lines;
    }
}
