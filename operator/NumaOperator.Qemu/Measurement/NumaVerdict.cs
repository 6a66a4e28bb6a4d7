using System.Globalization;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Qemu.Measurement;

/// <summary>Whether guest RAM is where it was placed, with the numbers that say so (the NumaAligned condition's message).</summary>
public sealed record NumaVerdict(bool Aligned, string Reason, string Message)
{
    public const string ReasonAligned = "Aligned";
    public const string ReasonRemoteMemory = "RemoteMemory";
    public const string ReasonWrongPageSize = "WrongPageSize";
    public const string ReasonBackendsMissing = "BackendsMissing";
    public const string ReasonNotResident = "NotResident";
    public const string ReasonUnbound = "Unbound";
    public const string ReasonSplitMismatch = "SplitMismatch";

    /// <summary>
    /// Judges each guest node on its own: its backend found, in pages of the asked size, every byte on ITS placed host
    /// node (another guest node's host node is remote too), bound to that node alone with the placed policy, as large as
    /// the placement says, and resident. NotAligned names every guest node that misses, where its memory is and where it
    /// should be; the reason is the gravest miss (the order of <see cref="Gravity"/>).
    /// </summary>
    public static NumaVerdict Judge(NumaMeasurement measurement)
    {
        ArgumentNullException.ThrowIfNull(measurement);
        var layout = measurement.Layout;
        var misses = measurement.GuestNodes.Select(g => Miss(g, layout)).OfType<(string Reason, string Text)>().ToArray();
        if (misses.Length > 0)
        {
            var reason = Gravity.First(r => misses.Any(m => m.Reason == r));
            var local = $"localRatio {measurement.LocalRatioText}, {ByteQuantity.Human(measurement.LocalGuestRamBytes)} local";
            return new NumaVerdict(false, reason, $"not aligned: {string.Join("; ", misses.Select(m => m.Text))} ({local})");
        }

        var percent = (measurement.LocalRatio * 100).ToString("0.0", CultureInfo.InvariantCulture);
        var where = measurement.GuestNodes.Count == 1
            ? $"placed host node {measurement.GuestNodes[0].HostNode}"
            : "each guest node's placed host node (" + string.Join(", ", measurement.GuestNodes.Select(g => $"guest node {g.GuestNode} → host node {g.HostNode}")) + ")";
        return new NumaVerdict(true, ReasonAligned, $"aligned: {ByteQuantity.Human(measurement.GuestRamBytes)} of guest RAM, {percent}% on {where}");
    }

    /// <summary>Reasons from gravest to mildest: a missing backend hides everything else; residency is checked last.</summary>
    public static IReadOnlyList<string> Gravity { get; } =
        [ReasonBackendsMissing, ReasonWrongPageSize, ReasonRemoteMemory, ReasonUnbound, ReasonSplitMismatch, ReasonNotResident];

    /// <summary>The first thing wrong with one guest node, or null.</summary>
    private static (string Reason, string Text)? Miss(GuestNodeMeasurement g, GuestRamLayout layout)
    {
        var name = $"guest node {g.GuestNode}";
        var placed = $"placed on node {g.HostNode}";
        if (g.Mappings.Count == 0)
        {
            return (ReasonBackendsMissing, $"{name}: backend {g.Backend.Id} not found in numa_maps (looked for {Where(layout, g.Backend)}), {ByteQuantity.Human(g.Backend.Bytes)} {placed}");
        }

        var wrong = g.KernelPageBytes.FirstOrDefault(p => p != layout.PageBytes);
        if (wrong > 0)
        {
            return (ReasonWrongPageSize, $"{name}: backed by {ByteQuantity.Format(wrong)} pages (kernelpagesize_kB={wrong / 1024}), not {ByteQuantity.Format(layout.PageBytes)}"
                + (layout.IsHuge ? $" hugepages: QEMU used a plain file; is {layout.HugetlbfsMountPoint} a hugetlbfs mount in this mount namespace?" : " pages"));
        }

        var remote = g.BytesByNode.Where(kv => kv.Key != g.HostNode && kv.Value > 0).ToArray();
        if (remote.Length > 0)
        {
            return (ReasonRemoteMemory, $"{name}: {string.Join(", ", remote.Select(kv => $"{ByteQuantity.Human(kv.Value)} on host node {kv.Key}"))}, {placed}");
        }

        // Memory that landed right by luck (an empty node, the prealloc thread's node) is still the seed bug when nothing
        // binds it there; a nodemask wider than the guest node's host node lets the kernel spill to the others.
        var wrongPolicy = g.Mappings.Where(m => m.PolicyMode != layout.ExpectedPolicyMode || !m.PolicyNodes.SequenceEqual([g.HostNode])).Select(m => m.Policy).Distinct().ToArray();
        if (wrongPolicy.Length > 0)
        {
            return (ReasonUnbound, $"{name}: policy {string.Join(", ", wrongPolicy)}, not {layout.ExpectedPolicyMode}:{g.HostNode} ({ByteQuantity.Human(g.LocalBytes)} on host node {g.HostNode} by chance)");
        }

        if (g.MappedBytes != g.Backend.Bytes)
        {
            return (ReasonSplitMismatch, $"{name}: backend {g.Backend.Id} holds {ByteQuantity.Human(g.MappedBytes)}, the placement gives it {ByteQuantity.Human(g.Backend.Bytes)} on node {g.HostNode}");
        }

        if (g.ResidentBytes < g.Backend.Bytes)
        {
            return (ReasonNotResident, $"{name}: only {ByteQuantity.Human(g.ResidentBytes)} of {ByteQuantity.Human(g.Backend.Bytes)} resident on node {g.HostNode} (prealloc incomplete?)");
        }

        return null;
    }

    private static string Where(GuestRamLayout layout, GuestRamBackend backend) =>
        layout.IsHuge ? $"a file {backend.Id} under {layout.HugetlbfsMountPoint}" : $"an anonymous mapping of {backend.Bytes} bytes at QEMU's address for {backend.Id}";
}
