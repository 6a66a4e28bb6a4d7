using NumaOperator.Api.Networking;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.Qemu.Networking;

namespace NumaOperator.Agent.Launch;

/// <summary>
/// The boundary between the API and Qemu for NICs: spec.interfaces as Qemu's <see cref="NicRequest"/>s, with the MAC
/// chosen here (the spec's, or the one generated from the VM's uid) and every default applied.
/// </summary>
public static class SpecInterfaces
{
    public static IReadOnlyList<NicRequest> Of(Guid vmUid, IList<InterfaceSpec>? interfaces) =>
        interfaces is null
            ? []
            : [.. interfaces.Select((nic, i) => new NicRequest(
                i,
                nic.Name,
                MacAddress.For(vmUid, nic.Name, nic.MacAddress),
                nic.UserNetwork is { } user
                    ? [.. (user.PortForwards ?? []).Select(f => new ForwardRequest(
                        f.Name,
                        f.Protocol ?? "TCP",
                        f.GuestPort,
                        f.HostAddress ?? NumaVirtualMachineValidator.DefaultForwardHostAddress,
                        f.HostPort))]
                    : null,
                nic.Bridge?.Name))];

    /// <summary>status.interfaces of the NICs a QEMU was started with.</summary>
    public static IList<InterfaceStatus>? Status(IReadOnlyList<VmNic> nics) =>
        nics.Count == 0
            ? null
            : [.. nics.Select(nic => new InterfaceStatus
            {
                Name = nic.Name,
                MacAddress = nic.MacAddress,
                Tap = (nic.Backend as NicBackend.Tap)?.Device,
                Bridge = (nic.Backend as NicBackend.Tap)?.Bridge,
                PortForwards = nic.Backend is NicBackend.UserNetwork user
                    ? [.. user.Forwards.Select(f => new PortForwardStatus { Name = f.Name, Protocol = f.Protocol, GuestPort = f.GuestPort, HostAddress = f.HostAddress, HostPort = f.HostPort })]
                    : null,
            })];
}
