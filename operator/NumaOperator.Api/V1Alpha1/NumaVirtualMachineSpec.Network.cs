using System.ComponentModel;
using System.Text.Json.Serialization;
using NumaOperator.Api.Crds;

namespace NumaOperator.Api.V1Alpha1;

/// <summary>spec.interfaces: the VM's network interfaces (KubeVirt's interfaces + networks, folded into one list).</summary>
public sealed partial class NumaVirtualMachineSpec
{
    [JsonPropertyName("interfaces")]
    [MaxItems(16)]
    [Description("Network interfaces of the VM, at most 16, each a virtio-net NIC: QEMU user-mode networking with port forwards (no host privileges) or a tap on a host bridge. Omit for a VM without network.")]
    public IList<InterfaceSpec>? Interfaces { get; set; }
}

[XValidation("has(self.userNetwork) != has(self.bridge)", "exactly one of userNetwork or bridge must be set")]
public sealed class InterfaceSpec
{
    [JsonPropertyName("name")]
    [RequiredField]
    [MaxLength(63)]
    [Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    [Description("Interface name, unique in the VM: a DNS label (lowercase letters, digits and '-', at most 63). Part of the generated MAC address and tap name.")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("macAddress")]
    [MaxLength(17)]
    [Pattern("^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")]
    [Description("Unicast MAC address (xx:xx:xx:xx:xx:xx, not multicast, not all zeros). Omit for a stable locally administered address derived from the VM's uid and the interface name.")]
    public string? MacAddress { get; set; }

    [JsonPropertyName("userNetwork")]
    [Description("QEMU user-mode networking (slirp): the guest gets 10.0.2.15/24 over DHCP and reaches out through the host; inbound only through portForwards. Needs no host privileges.")]
    public UserNetworkSpec? UserNetwork { get; set; }

    [JsonPropertyName("bridge")]
    [Description("A tap device the agent creates for this VM and attaches to an existing host bridge; the guest is on that bridge's network.")]
    public BridgeSpec? Bridge { get; set; }
}

public sealed class UserNetworkSpec
{
    [JsonPropertyName("portForwards")]
    [MaxItems(32)]
    [Description("Host ports forwarded to guest ports (QEMU hostfwd), at most 32. The host address and port of each are in status.interfaces.")]
    public IList<PortForwardSpec>? PortForwards { get; set; }
}

public sealed class PortForwardSpec
{
    [JsonPropertyName("name")]
    [MaxLength(63)]
    [Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    [Description("Optional name of the forward (e.g. http, ssh), a DNS label, shown in status and by explain.")]
    public string? Name { get; set; }

    [JsonPropertyName("protocol")]
    [DefaultValue("TCP")]
    [EnumValues("TCP", "UDP")]
    [Description("TCP (default) or UDP.")]
    public string? Protocol { get; set; }

    [JsonPropertyName("guestPort")]
    [RequiredField]
    [Minimum(1)]
    [Maximum(65535)]
    [Description("Port inside the guest, 1 to 65535.")]
    public int GuestPort { get; set; }

    [JsonPropertyName("hostPort")]
    [Minimum(1)]
    [Maximum(65535)]
    [Description("Port on the host, 1 to 65535; it must be free when the VM starts. Omit to let the agent pick a free port (shown in status.interfaces).")]
    public int? HostPort { get; set; }

    [JsonPropertyName("hostAddress")]
    [DefaultValue("127.0.0.1")]
    [MaxLength(15)]
    [Pattern("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$")]
    [Description("IPv4 address of the host the forward listens on (default 127.0.0.1, reachable from the host only; 0.0.0.0 for every address).")]
    public string? HostAddress { get; set; }
}

public sealed class BridgeSpec
{
    [JsonPropertyName("name")]
    [RequiredField]
    [MaxLength(15)]
    [Pattern("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$")]
    [Description("Name of an existing Linux bridge on the VM's node (e.g. br0): 1 to 15 characters of [A-Za-z0-9_.-]. The VM fails pre-flight, nothing started, when the node has no such bridge.")]
    public string Name { get; set; } = string.Empty;
}
