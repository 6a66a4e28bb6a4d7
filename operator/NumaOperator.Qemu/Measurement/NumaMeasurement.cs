namespace NumaOperator.Qemu.Measurement;

/// <summary>Where a QEMU process's memory really is, from its numa_maps (never copied from the placement).</summary>
/// <param name="GuestNodes">Per guest node (layout order): the mappings of its backend and where their bytes are.</param>
/// <param name="GuestRamMappings">Every mapping identified as a guest-RAM backend.</param>
/// <param name="GuestRamBytesByNode">Resident guest RAM per host node.</param>
/// <param name="ProcessBytesByNode">Every resident byte of the process per host node.</param>
/// <param name="LocalGuestRamBytes">Bytes of each guest node on its own placed host node, summed: another guest node's host node is remote too.</param>
/// <param name="LocalRatio">LocalGuestRamBytes / all resident guest RAM bytes (0 when none is resident).</param>
public sealed record NumaMeasurement(
    GuestRamLayout Layout,
    IReadOnlyList<GuestNodeMeasurement> GuestNodes,
    IReadOnlyList<NumaMapping> GuestRamMappings,
    IReadOnlyDictionary<int, long> GuestRamBytesByNode,
    IReadOnlyDictionary<int, long> ProcessBytesByNode,
    long GuestRamBytes,
    long LocalGuestRamBytes,
    double LocalRatio)
{
    /// <summary>localRatio as status.numastat.localRatio writes it: three decimals.</summary>
    public string LocalRatioText => LocalRatio.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One guest node's backend as measured.</summary>
/// <param name="Mappings">Its mappings in numa_maps (none when the backend was not found).</param>
/// <param name="MappedBytes">The size of those mappings in /proc/PID/maps: the backend's size as QEMU created it.</param>
/// <param name="BytesByNode">Its resident bytes per host node.</param>
public sealed record GuestNodeMeasurement(GuestRamBackend Backend, IReadOnlyList<NumaMapping> Mappings, long MappedBytes, IReadOnlyDictionary<int, long> BytesByNode)
{
    public int GuestNode => Backend.GuestNode;

    public int HostNode => Backend.HostNode;

    public long ResidentBytes => BytesByNode.Values.Sum();

    /// <summary>Resident bytes on its own placed host node.</summary>
    public long LocalBytes => BytesByNode.GetValueOrDefault(Backend.HostNode);

    /// <summary>numa_maps policies of its mappings ("bind:1"), distinct, in order seen.</summary>
    public IReadOnlyList<string> Policies => [.. Mappings.Select(m => m.Policy).Distinct()];

    /// <summary>Kernel page sizes of its mappings, distinct.</summary>
    public IReadOnlyList<long> KernelPageBytes => [.. Mappings.Select(m => m.KernelPageBytes).Distinct()];
}
