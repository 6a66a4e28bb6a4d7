using k8s;
using k8s.Models;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Api.Status;

namespace NumaOperator.Agent.Topology;

/// <summary>What the agent found on its host at one moment: the topology (or why discovery failed) and QEMU (or why probing failed).</summary>
public sealed record HostFacts(HostTopology? Topology, string? DiscoveryError, QemuCapabilities? Qemu, string? QemuError);

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
        status.Qemu = facts.Qemu is { } qemu ? QemuInfo(qemu) : null;
        var conditions = previous?.Conditions is { } old ? ObjectKey.Clone(old) : null;
        var (ready, reason, message) =
            facts.DiscoveryError is { } d ? (false, ReasonDiscoveryFailed, "NUMA discovery from sysfs failed: " + d)
            : facts.QemuError is { } q ? (false, ReasonQemuUnavailable, "QEMU is not usable: " + q)
            : facts.Qemu is null ? (false, ReasonQemuUnavailable, "QEMU is not usable: not probed")
            : facts.Qemu.Accelerators.All(a => !a.Usable) ? (false, ReasonQemuUnavailable, "QEMU runs no accelerator: " + Describe(facts.Qemu))
            : (true, ReasonReady, $"{status.NumaNodes.Count} NUMA node(s) discovered; QEMU {facts.Qemu.Version}: {Describe(facts.Qemu)}");
        status.Conditions = ConditionList.Set(conditions, ConditionReady, ready, reason, message, null, MetaTime.WholeSeconds(now));
        return status;
    }

    /// <summary>status.qemu: the version, kvm (KVM usable) and each accelerator with its CPU models and reason.</summary>
    public static QemuInfo QemuInfo(QemuCapabilities qemu)
    {
        ArgumentNullException.ThrowIfNull(qemu);
        return new QemuInfo
        {
            Version = qemu.Version.ToString(),
            Kvm = qemu.KvmUsable,
            Accelerators = [.. qemu.Accelerators.Select(a => new AcceleratorStatus
            {
                Name = AcceleratorNames.Of(a.Accelerator),
                Usable = a.Usable,
                CpuModels = a.Usable ? [.. a.CpuOptions.Keys.Order(CpuModelOrder.Instance)] : [],
                Reason = a.Reason,
            })],
        };
    }

    /// <summary>"KVM usable (host-passthrough, host-model and 12 QEMU models); Emulation usable (...)" for logs and the Ready message.</summary>
    public static string Describe(QemuCapabilities qemu)
    {
        ArgumentNullException.ThrowIfNull(qemu);
        return string.Join("; ", qemu.Accelerators.Select(a =>
        {
            var name = AcceleratorNames.Of(a.Accelerator);
            if (!a.Usable)
            {
                return $"{name} not usable ({a.Reason})";
            }

            var named = a.CpuOptions.Keys.Count(k => k is not AcceleratorNames.HostModel and not AcceleratorNames.HostPassthrough);
            var special = a.CpuOptions.Keys.Where(k => k is AcceleratorNames.HostPassthrough or AcceleratorNames.HostModel).Order(CpuModelOrder.Instance);
            var models = string.Join(", ", special.Append($"{named} QEMU models"));
            return a.Reason is null ? $"{name} usable ({models})" : $"{name} usable ({models}; {a.Reason})";
        }));
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

}

/// <summary>host-passthrough, host-model first, then QEMU's model names in ordinal order.</summary>
internal sealed class CpuModelOrder : IComparer<string>
{
    public static CpuModelOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        var byRank = Rank(x).CompareTo(Rank(y));
        return byRank != 0 ? byRank : string.CompareOrdinal(x, y);
    }

    private static int Rank(string? model) => model switch
    {
        AcceleratorNames.HostPassthrough => 0,
        AcceleratorNames.HostModel => 1,
        _ => 2,
    };
}
