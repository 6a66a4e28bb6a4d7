namespace NumaOperator.Qemu.Networking;

/// <summary>One forward of a user-mode interface as QEMU listens for it: every value resolved (the host port picked when the spec had none).</summary>
/// <param name="Protocol">"TCP" or "UDP".</param>
public sealed record HostForward(string? Name, string Protocol, int GuestPort, string HostAddress, int HostPort);

/// <summary>What carries a NIC's frames on the host.</summary>
public abstract record NicBackend
{
    private NicBackend()
    {
    }

    /// <summary>QEMU's user-mode stack (slirp) with host-port forwards.</summary>
    public sealed record UserNetwork(IReadOnlyList<HostForward> Forwards) : NicBackend;

    /// <summary>A tap the agent created on <paramref name="Bridge"/>; <paramref name="Vhost"/>: frames move in the kernel (/dev/vhost-net).</summary>
    public sealed record Tap(string Device, string Bridge, bool Vhost) : NicBackend;
}

/// <summary>One virtio-net NIC of a VM, resolved for launch: name, MAC and backend.</summary>
public sealed record VmNic(string Name, string MacAddress, NicBackend Backend);

/// <summary>A user-mode forward as the spec asks for it (a null host port: pick a free one).</summary>
public sealed record ForwardRequest(string? Name, string Protocol, int GuestPort, string HostAddress, int? HostPort);

/// <summary>
/// One spec.interfaces entry as Qemu sees it (the agent maps the API type here; Qemu does not know it): the MAC already
/// chosen, and either forwards (user-mode) or a bridge.
/// </summary>
/// <param name="Index">Position in spec.interfaces, for messages that name the field.</param>
public sealed record NicRequest(int Index, string Name, string MacAddress, IReadOnlyList<ForwardRequest>? Forwards, string? Bridge);
