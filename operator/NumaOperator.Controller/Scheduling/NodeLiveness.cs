using System.Globalization;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Controller.Scheduling;

/// <summary>
/// Whether a node's agent is alive, judged from its NumaNodeTopology's status.heartbeatTime (the agent renews it every
/// 30 s), and what that verdict does to a VM placed there: Ready=Unknown reason NodeLost (then Stalled, through
/// <see cref="ProgressConditions"/>) while the heartbeat is older than the threshold, and Ready recomputed from the
/// agent's Running and NumaAligned once it is fresh again. A topology without heartbeatTime was not published by an
/// agent (a hand-written one) and is not judged. Pure: time is a parameter.
/// </summary>
public static class NodeLiveness
{
    public const string EventNodeLost = VmConditions.ReasonNodeLost;
    public const string EventNodeRecovered = "NodeRecovered";

    /// <summary>Null while the agent is alive (or never published a heartbeat), else the message of the NodeLost verdict.</summary>
    /// <remarks>The message names the heartbeat's time, not its age, so it does not change (and cause a write) on every reconcile.</remarks>
    public static string? LostMessage(string nodeName, NumaNodeTopology? topology, DateTime now, TimeSpan threshold)
    {
        if (topology?.Status?.HeartbeatTime is not { } beat)
        {
            return null;
        }

        var heartbeat = beat.ToUniversalTime();
        if (now - heartbeat <= threshold)
        {
            return null;
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"the agent on node {nodeName} has not renewed its heartbeat (NumaNodeTopology status.heartbeatTime) since {heartbeat:yyyy-MM-ddTHH:mm:ssZ}, more than {(long)threshold.TotalSeconds}s ago: the VM's state is unknown");
    }

    /// <summary>Applies the verdict to a placed VM; returns the Event due for a transition (null when none).</summary>
    public static (string Type, string Reason, string Message)? Apply(NumaVirtualMachine vm, string? lostMessage, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var wasLost = ReadyRule.IsNodeLost(vm);
        if (lostMessage is not null)
        {
            ReadyRule.SetNodeLost(vm, lostMessage, now);
            return wasLost ? null : ("Warning", EventNodeLost, lostMessage);
        }

        if (!wasLost)
        {
            return null;
        }

        ReadyRule.Apply(vm, now, liftNodeLost: true);
        return ("Normal", EventNodeRecovered, $"the agent on node {vm.Status?.NodeName} renewed its heartbeat; Ready follows its reports again");
    }

    /// <summary>How often the controller looks for nodes whose verdict changed: a quarter of the threshold, 100 ms to 5 s.</summary>
    public static TimeSpan CheckInterval(TimeSpan threshold) =>
        TimeSpan.FromTicks(Math.Clamp(threshold.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromSeconds(5).Ticks));
}

/// <summary>Remembers each node's last verdict and tells which nodes' verdicts flipped since the last look.</summary>
public sealed class NodeLivenessMonitor(TimeSpan threshold)
{
    private readonly Dictionary<string, bool> lost = new(StringComparer.Ordinal);

    /// <summary>The verdict of the last look at <paramref name="node"/>.</summary>
    public bool IsLost(string node) => lost.GetValueOrDefault(node);

    /// <summary>Names of the nodes that became lost or came back since the previous call (a node seen first counts when lost).</summary>
    public IReadOnlyList<string> Flipped(IEnumerable<NumaNodeTopology> topologies, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(topologies);
        var flipped = new List<string>();
        foreach (var topology in topologies)
        {
            var name = topology.Metadata.Name;
            var isLost = NodeLiveness.LostMessage(name, topology, now, threshold) is not null;
            if (lost.TryGetValue(name, out var was) ? was != isLost : isLost)
            {
                flipped.Add(name);
            }

            lost[name] = isLost;
        }

        return flipped;
    }
}
