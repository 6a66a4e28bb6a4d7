using NumaOperator.Numa.Placement;

namespace NumaOperator.Controller.Scheduling;

/// <summary>
/// Whether a recorded placement still gives what the spec asks: every spec field that shapes the QEMU argv (cpu,
/// memory, numa, accelerator). A placed VM whose spec drifted
/// keeps running on its placement until it is stopped and started again. Pure.
/// </summary>
public static class SpecDrift
{
    /// <summary>Null when the placement fits the request, otherwise what differs ("spec.cpu.cores 4, placed 2").</summary>
    public static string? Describe(VmRequest request, VmPlacement placement)
    {
        var differences = new List<string>();
        var placedVcpus = placement.GuestNodes.Sum(g => g.Vcpus.Count);
        if (request.Vcpus != placedVcpus)
        {
            differences.Add($"spec.cpu.cores {request.Vcpus}, placed {placedVcpus}");
        }

        var placedDedicated = placement.GuestNodes.Any(g => !g.HostCpus.IsEmpty);
        if (request.DedicatedCpus != placedDedicated)
        {
            differences.Add($"spec.cpu.dedicated {request.DedicatedCpus.ToString().ToLowerInvariant()}, placed {placedDedicated.ToString().ToLowerInvariant()}");
        }

        if (request.MemoryBytes != placement.MemoryBytes)
        {
            differences.Add($"spec.memory.size {request.MemoryBytes} bytes, placed {placement.MemoryBytes}");
        }

        if (request.PageSize != placement.PageSize)
        {
            differences.Add($"spec.memory.hugepages.pageSize {request.PageSize}, placed {placement.PageSize}");
        }

        if (request.GuestNodes != placement.GuestNodes.Count)
        {
            differences.Add($"spec.numa.guestNodes {request.GuestNodes}, placed {placement.GuestNodes.Count}");
        }

        if (request.AllowedHostNodes is { } allowed && !placement.HostNodes.IsSubsetOf(allowed))
        {
            differences.Add($"spec.numa.nodes \"{allowed}\", placed on \"{placement.HostNodes}\"");
        }

        if (request.CpuModel != placement.CpuModel)
        {
            differences.Add($"spec.cpu.model {request.CpuModel}, placed {placement.CpuModel}");
        }

        if (placement.Accelerator is { } placed && !AcceleratorMatch.Candidates(request.Accelerator, null).Contains(placed))
        {
            differences.Add($"spec.accelerator {AcceleratorNames.Of(request.Accelerator)}, placed under {AcceleratorNames.Of(placed)}");
        }

        if (request.Policy != placement.Policy)
        {
            differences.Add($"spec.numa.policy {request.Policy}, placed {placement.Policy}");
        }

        return differences.Count == 0 ? null : string.Join("; ", differences);
    }
}
