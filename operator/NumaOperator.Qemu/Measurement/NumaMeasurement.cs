namespace NumaOperator.Qemu.Measurement;

/// <summary>Where a QEMU process's memory really is, from its numa_maps (never copied from the placement).</summary>
/// <param name="GuestRamMappings">The mappings identified as guest RAM backends.</param>
/// <param name="GuestRamBytesByNode">Resident guest RAM per host node.</param>
/// <param name="ProcessBytesByNode">Every resident byte of the process per host node.</param>
/// <param name="LocalRatio">Guest RAM bytes on placed nodes / all resident guest RAM bytes (0 when none is resident).</param>
public sealed record NumaMeasurement(
    GuestRamLayout Layout,
    IReadOnlyList<NumaMapping> GuestRamMappings,
    IReadOnlyDictionary<int, long> GuestRamBytesByNode,
    IReadOnlyDictionary<int, long> ProcessBytesByNode,
    long GuestRamBytes,
    long GuestRamBytesOnPlacedNodes,
    double LocalRatio)
{
    /// <summary>localRatio as status.numastat.localRatio writes it: three decimals.</summary>
    public string LocalRatioText => LocalRatio.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);
}
