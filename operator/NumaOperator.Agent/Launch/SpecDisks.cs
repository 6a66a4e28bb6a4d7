using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.Disks;

namespace NumaOperator.Agent.Launch;

/// <summary>The boundary between the API and Qemu for a VM's own disks: spec.disks and the resolved cloud-init files as a <see cref="VmDiskRequest"/>.</summary>
public static class SpecDisks
{
    /// <param name="seed">spec.cloudInit with its Secrets read (<see cref="Runtime.CloudInitSources"/>), or null without spec.cloudInit.</param>
    public static VmDiskRequest Of(NumaVirtualMachine vm, SeedFiles? seed)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var data = (vm.Spec.Disks ?? []).Select(d => new DataDisk(d.Name, ByteQuantity.Parse(d.Size))).ToArray();
        return new VmDiskRequest(vm.Metadata.NamespaceProperty ?? "default", data, seed);
    }
}
