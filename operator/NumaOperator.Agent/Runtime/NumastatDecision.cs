using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Qemu.Measurement;
using NumaOperator.Api.Status;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// Whether a fresh numa_maps sample is worth a status write. Samples arrive every SampleInterval; writing each one
/// would churn etcd and every watcher, so a write happens only when a reader would learn something: the first
/// sample, the verdict changed, localRatio's text changed, the set of nodes changed, a node's bytes moved by more
/// than <see cref="MinimumMoveBytes"/> or <see cref="MinimumMoveFraction"/> of guest RAM (whichever is smaller), the
/// same per guest node (its host nodes, its bytes on each, its policy), the
/// recorded NumaAligned is for an older generation, or the recorded sample is older than the maximum age. Pure.
/// </summary>
public static class NumastatDecision
{
    /// <summary>One 2 MiB hugepage: the smallest move that can matter for a hugepage VM.</summary>
    public const long MinimumMoveBytes = 2L << 20;

    public const double MinimumMoveFraction = 0.01;

    /// <summary>Null when the recorded status is good enough, else why it should be written (for logs and tests).</summary>
    public static string? ReasonToWrite(NumaVirtualMachine recorded, NumastatStatus sample, NumaVerdict verdict, DateTime now, TimeSpan maxAge)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(verdict);
        var previous = recorded.Status?.Numastat;
        var aligned = ConditionList.Find(recorded.Status?.Conditions, AgentConditions.NumaAligned);
        if (previous is null || aligned is null)
        {
            return "first sample";
        }

        if ((aligned.Status == "True") != verdict.Aligned || aligned.Reason != verdict.Reason)
        {
            return $"verdict {aligned.Reason} -> {verdict.Reason}";
        }

        if (aligned.ObservedGeneration != recorded.Metadata.Generation)
        {
            return "new generation";
        }

        if (previous.LocalRatio != sample.LocalRatio)
        {
            return $"localRatio {previous.LocalRatio} -> {sample.LocalRatio}";
        }

        if (Moved("host node", previous.Nodes, sample.Nodes) is { } moved)
        {
            return moved;
        }

        var guestBefore = (previous.GuestNodes ?? []).ToDictionary(g => g.GuestNode);
        var guestAfter = (sample.GuestNodes ?? []).ToDictionary(g => g.GuestNode);
        if (!guestBefore.Keys.ToHashSet().SetEquals(guestAfter.Keys))
        {
            return "guest nodes changed";
        }

        foreach (var (id, after) in guestAfter)
        {
            var before = guestBefore[id];
            if (before.HostNode != after.HostNode || before.Policy != after.Policy)
            {
                return $"guest node {id}: placed host node or policy changed";
            }

            if (Moved($"guest node {id} on host node", before.Nodes, after.Nodes) is { } guestMoved)
            {
                return guestMoved;
            }
        }

        if (previous.SampledAt is not { } sampledAt || now - sampledAt.ToUniversalTime() >= maxAge)
        {
            return "refresh";
        }

        return null;
    }

    /// <summary>Why per-node bytes are worth writing: the set of nodes changed or one moved by more than the threshold.</summary>
    private static string? Moved(string what, IEnumerable<NumastatNode> previous, IEnumerable<NumastatNode> sample)
    {
        var before = previous.ToDictionary(n => n.Node, n => n.Bytes);
        var after = sample.ToDictionary(n => n.Node, n => n.Bytes);
        if (!before.Keys.ToHashSet().SetEquals(after.Keys))
        {
            return what + "s changed";
        }

        var total = Math.Max(before.Values.Sum(), after.Values.Sum());
        var threshold = Math.Min(MinimumMoveBytes, (long)(total * MinimumMoveFraction));
        foreach (var (node, bytes) in after)
        {
            if (Math.Abs(bytes - before[node]) > threshold)
            {
                return $"{what} {node} moved {bytes - before[node]} bytes";
            }
        }

        return null;
    }

    /// <summary>Alignment was just lost (or the first sample is misaligned): the moment for a Warning Event.</summary>
    public static bool AlignmentLost(NumaVirtualMachine recorded, NumaVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(verdict);
        var aligned = ConditionList.Find(recorded.Status?.Conditions, AgentConditions.NumaAligned);
        return !verdict.Aligned && (aligned is null || aligned.Status == "True" || aligned.Reason != verdict.Reason);
    }
}
