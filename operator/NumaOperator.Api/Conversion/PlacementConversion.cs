using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Api.Conversion;

/// <summary>Maps a placement decision to and from status.placement + status.nodeName.</summary>
public static class PlacementConversion
{
    public static PlacementStatus ToStatus(VmPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(placement);
        return new PlacementStatus
        {
            PageSize = placement.PageSize.ToString(),
            GuestNodes = placement.GuestNodes.Select(g => new GuestNodePlacementStatus
            {
                GuestNode = g.GuestNode,
                HostNode = g.HostNode,
                Vcpus = g.Vcpus.ToString(),
                HostCpus = g.HostCpus.ToString(),
                Memory = ByteQuantity.Format(g.MemoryBytes),
            }).ToList(),
            Accelerator = placement.Accelerator is { } accelerator ? AcceleratorNames.Of(accelerator) : null,
            CpuModel = placement.CpuModel,
            Policy = placement.Policy == NumaPolicy.Strict ? "Strict" : "Preferred",
        };
    }

    /// <summary>Reads a recorded placement back (ledger rebuild after a restart).</summary>
    /// <exception cref="FormatException">The status is malformed; the message names the field.</exception>
    public static VmPlacement FromStatus(string nodeName, PlacementStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (!ByteQuantity.TryParse(status.PageSize, out var pageBytes) || pageBytes <= 0)
        {
            throw new FormatException($"status.placement.pageSize: \"{status.PageSize}\" is not a page size such as 4Ki, 2Mi or 1Gi");
        }

        var pageSize = pageBytes == PageSize.Normal.Bytes ? PageSize.Normal : PageSize.HugeOfBytes(pageBytes);
        var guests = status.GuestNodes.Select((g, i) =>
        {
            var path = $"status.placement.guestNodes[{i}]";
            return new GuestNodePlacement(
                g.GuestNode,
                g.HostNode,
                Parse(g.Vcpus, path + ".vcpus"),
                Parse(g.HostCpus, path + ".hostCpus"),
                ByteQuantity.TryParse(g.Memory, out var m) ? m : throw new FormatException($"{path}.memory: \"{g.Memory}\" is not a byte quantity"));
        }).ToList();
        Accelerator? accelerator = null;
        if (status.Accelerator is { } acceleratorText)
        {
            accelerator = AcceleratorNames.ParseAccelerator(acceleratorText)
                ?? throw new FormatException($"status.placement.accelerator: \"{acceleratorText}\" is not {AcceleratorNames.Kvm} or {AcceleratorNames.Emulation}");
        }

        var policy = status.Policy switch
        {
            null or "Strict" => NumaPolicy.Strict,
            "Preferred" => NumaPolicy.Preferred,
            _ => throw new FormatException($"status.placement.policy: \"{status.Policy}\" is not Strict or Preferred"),
        };
        return new VmPlacement(nodeName, pageSize, guests)
        {
            Accelerator = accelerator,
            CpuModel = status.CpuModel ?? AcceleratorNames.HostModel,
            Policy = policy,
        };
    }

    private static CpuSet Parse(string text, string path) =>
        CpuSet.TryParse(text, out var set, out var error) ? set : throw new FormatException($"{path}: {error}");
}
