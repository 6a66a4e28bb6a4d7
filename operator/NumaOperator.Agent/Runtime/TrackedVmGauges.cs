using System.Diagnostics.Metrics;
using NumaOperator.ControllerRuntime;
using NumaOperator.Qemu.Measurement;

namespace NumaOperator.Agent.Runtime;

/// <summary>The per-VM gauges of the VMs an agent holds, read at collection time. Pure: the time is a parameter.</summary>
internal static class TrackedVmGauges
{
    /// <summary>1 aligned / 0 not, tagged with the verdict's reason; VMs not sampled yet report nothing.</summary>
    public static IEnumerable<Measurement<int>> NumaAligned(IEnumerable<ISampledVm> vms, string node) =>
        [.. vms.Where(t => t.Verdict is not null).Select(t => new Measurement<int>(t.Verdict!.Aligned ? 1 : 0, [.. Tags(t.Key, node), new("reason", t.Verdict.Reason)]))];

    /// <summary>Seconds since the last successful sample, or since the start or adoption when none succeeded yet.</summary>
    public static IEnumerable<Measurement<double>> NumastatAges(IEnumerable<ISampledVm> vms, string node, DateTime now) =>
        [.. vms.Select(t => new Measurement<double>(Math.Max(0, (now - (t.LastSample ?? t.TrackedSince)).TotalSeconds), Tags(t.Key, node)))];

    private static KeyValuePair<string, object?>[] Tags(string key, string node)
    {
        var (ns, name) = ObjectKey.Split(key);
        return [new("namespace", ns), new("name", name), new("node", node)];
    }
}

/// <summary>What the per-VM gauges read of a VM the agent holds.</summary>
internal interface ISampledVm
{
    /// <summary>namespace/name.</summary>
    string Key { get; }

    DateTime TrackedSince { get; }

    DateTime? LastSample { get; }

    NumaVerdict? Verdict { get; }
}
