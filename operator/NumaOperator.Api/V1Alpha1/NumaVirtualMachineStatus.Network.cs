using System.ComponentModel;
using System.Text.Json.Serialization;
using NumaOperator.Api.Crds;

namespace NumaOperator.Api.V1Alpha1;

/// <summary>status.interfaces: what the agent attached when it started the VM (MACs, taps, the host side of each forward).</summary>
public sealed partial class NumaVirtualMachineStatus
{
    [JsonPropertyName("interfaces")]
    [MaxItems(16)]
    [Description("The VM's network interfaces as the agent started them, in spec.interfaces order: MAC address, tap and bridge, and the host address and port of every forward. Absent while the VM does not run.")]
    public IList<InterfaceStatus>? Interfaces { get; set; }
}

public sealed class InterfaceStatus
{
    [JsonPropertyName("name")]
    [MaxLength(63)]
    [Description("spec.interfaces[].name.")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("macAddress")]
    [MaxLength(17)]
    [Description("The MAC address the guest sees (given in the spec or generated from the VM's uid and the interface name).")]
    public string MacAddress { get; set; } = string.Empty;

    [JsonPropertyName("tap")]
    [MaxLength(15)]
    [Description("The host tap device of a bridge interface (created by the agent, removed when the VM stops).")]
    public string? Tap { get; set; }

    [JsonPropertyName("bridge")]
    [MaxLength(15)]
    [Description("The host bridge the tap is attached to.")]
    public string? Bridge { get; set; }

    [JsonPropertyName("portForwards")]
    [MaxItems(32)]
    [Description("Each forward of a user-mode interface with the host address and port it listens on (the port the agent picked when spec left it out).")]
    public IList<PortForwardStatus>? PortForwards { get; set; }
}

public sealed class PortForwardStatus
{
    [JsonPropertyName("name")]
    [MaxLength(63)]
    [Description("spec name of the forward, when it has one.")]
    public string? Name { get; set; }

    [JsonPropertyName("protocol")]
    [EnumValues("TCP", "UDP")]
    [Description("TCP or UDP.")]
    public string Protocol { get; set; } = "TCP";

    [JsonPropertyName("guestPort")]
    [Minimum(1)]
    [Maximum(65535)]
    [Description("Port inside the guest.")]
    public int GuestPort { get; set; }

    [JsonPropertyName("hostAddress")]
    [MaxLength(15)]
    [Description("Host address the forward listens on.")]
    public string HostAddress { get; set; } = string.Empty;

    [JsonPropertyName("hostPort")]
    [Minimum(1)]
    [Maximum(65535)]
    [Description("Host port the forward listens on.")]
    public int HostPort { get; set; }
}
