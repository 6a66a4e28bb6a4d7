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

    /// <summary>Judges a measurement: every guest-RAM byte resident, on the placed host nodes, in pages of the asked size.</summary>
    public static NumaVerdict Judge(NumaMeasurement measurement)
    {
        ArgumentNullException.ThrowIfNull(measurement);
        var layout = measurement.Layout;
        var placed = string.Join(",", layout.PlacedHostNodes);
        var placedText = layout.PlacedHostNodes.Count == 1 ? $"node {placed}" : $"nodes {placed}";
        if (measurement.GuestRamMappings.Count < layout.Backends.Count)
        {
            return new NumaVerdict(false, ReasonBackendsMissing, $"not aligned: found {measurement.GuestRamMappings.Count} guest-RAM mapping(s) in numa_maps, expected {layout.Backends.Count} ({Where(layout)})");
        }

        var wrongPages = measurement.GuestRamMappings.Where(m => m.KernelPageBytes != layout.PageBytes).ToArray();
        if (wrongPages.Length > 0)
        {
            var seen = wrongPages[0].KernelPageBytes;
            return new NumaVerdict(false, ReasonWrongPageSize, $"not aligned: guest RAM is backed by {ByteQuantity.Format(seen)} pages (kernelpagesize_kB={seen / 1024}), not {ByteQuantity.Format(layout.PageBytes)} hugepages: QEMU used a plain file; is {layout.HugetlbfsMountPoint} a hugetlbfs mount in this mount namespace?");
        }

        var remote = measurement.GuestRamBytesByNode.Where(kv => !layout.PlacedHostNodes.Contains(kv.Key) && kv.Value > 0).ToArray();
        if (remote.Length > 0)
        {
            var where = string.Join(", ", remote.Select(kv => $"{ByteQuantity.Human(kv.Value)} on host node {kv.Key}"));
            return new NumaVerdict(false, ReasonRemoteMemory, $"not aligned: {where}, placed on {placedText} (localRatio {measurement.LocalRatioText}, {ByteQuantity.Human(measurement.GuestRamBytesOnPlacedNodes)} local)");
        }

        // Memory that landed right by luck (one-node host, empty node) is still the seed bug when nothing binds it.
        var unbound = measurement.GuestRamMappings.Where(m => m.PolicyMode is not ("bind" or "prefer") || !m.PolicyNodes.All(layout.PlacedHostNodes.Contains)).ToArray();
        if (unbound.Length > 0)
        {
            return new NumaVerdict(false, ReasonUnbound, $"not aligned: {unbound.Length} guest-RAM mapping(s) have policy {string.Join(", ", unbound.Select(m => m.Policy).Distinct())}, not bound to placed host {placedText} ({ByteQuantity.Human(measurement.GuestRamBytesOnPlacedNodes)} on it by chance)");
        }

        if (measurement.GuestRamBytes < layout.ExpectedBytes)
        {
            return new NumaVerdict(false, ReasonNotResident, $"not aligned: only {ByteQuantity.Human(measurement.GuestRamBytes)} of {ByteQuantity.Human(layout.ExpectedBytes)} guest RAM is resident (prealloc incomplete?)");
        }

        var percent = (measurement.LocalRatio * 100).ToString("0.0", CultureInfo.InvariantCulture);
        return new NumaVerdict(true, ReasonAligned, $"aligned: {ByteQuantity.Human(measurement.GuestRamBytes)} of guest RAM, {percent}% on placed host {placedText}");
    }

    private static string Where(GuestRamLayout layout) =>
        layout.IsHuge ? $"files under {layout.HugetlbfsMountPoint}" : $"anonymous mappings of {string.Join(" or ", layout.Backends.Select(b => b.Bytes).Distinct())} bytes";
}
