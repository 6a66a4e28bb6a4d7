using k8s;
using k8s.Models;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Runtime;
using NumaOperator.Numa.Topology;

namespace NumaOperator.Agent.Topology;

/// <summary>What the agent found on its host at one moment: the topology (or why discovery failed) and QEMU (or why probing failed).</summary>
public sealed record HostFacts(HostTopology? Topology, string? DiscoveryError, string? QemuVersion, string? QemuError, bool Kvm);

/// <summary>
/// A NumaNodeTopology status from host facts: numaNodes, qemu, heartbeatTime and the Ready condition (False with
/// reason DiscoveryFailed or QemuUnavailable). When discovery fails the last published numaNodes are kept, so a
/// transient sysfs error does not make the scheduler think the node lost its NUMA nodes. Pure.
/// </summary>
public static class TopologyStatusBuilder
{
    public const string ConditionReady = "Ready";
    public const string ReasonReady = "AgentReady";
    public const string ReasonDiscoveryFailed = "DiscoveryFailed";
    public const string ReasonQemuUnavailable = "QemuUnavailable";

    public static NumaNodeTopologyStatus Build(HostFacts facts, NumaNodeTopologyStatus? previous, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var status = facts.Topology is { } topology ? TopologyConversion.ToStatus(topology) : new NumaNodeTopologyStatus { NumaNodes = previous?.NumaNodes ?? [] };
        status.HeartbeatTime = now;
        status.Qemu = facts.QemuVersion is null ? null : new QemuInfo { Version = facts.QemuVersion, Kvm = facts.Kvm };
        var conditions = previous?.Conditions is { } old ? ObjectKey.Clone(old) : null;
        var (ready, reason, message) =
            facts.DiscoveryError is { } d ? (false, ReasonDiscoveryFailed, "NUMA discovery from sysfs failed: " + d)
            : facts.QemuError is { } q ? (false, ReasonQemuUnavailable, "QEMU is not usable: " + q)
            : (true, ReasonReady, $"{status.NumaNodes.Count} NUMA node(s) discovered; QEMU {facts.QemuVersion} ({(facts.Kvm ? "KVM" : "TCG, no KVM")})");
        status.Conditions = Conditions.Set(conditions, ConditionReady, ready, reason, message, null, WholeSeconds(now));
        return status;
    }

    /// <summary>The status without the heartbeat and transition times: equal keys mean nothing worth a write besides the heartbeat.</summary>
    public static string ChangeKey(NumaNodeTopologyStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var copy = ObjectKey.Clone(status);
        copy.HeartbeatTime = null;
        foreach (var condition in copy.Conditions ?? [])
        {
            condition.LastTransitionTime = default;
        }

        return KubernetesJson.Serialize(copy);
    }

    private static DateTime WholeSeconds(DateTime now) => new(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
}
