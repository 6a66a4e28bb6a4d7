using NumaOperator.Api.Networking;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;

namespace NumaOperator.Api.Tests.Validation;

/// <summary>spec.interfaces: every bad input names its field and what is allowed; a good list passes untouched.</summary>
public sealed class InterfaceValidationTests
{
    private static NumaVirtualMachine Vm(params InterfaceSpec[] interfaces) => new()
    {
        Metadata = new k8s.Models.V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
        Spec = new NumaVirtualMachineSpec
        {
            Cpu = new CpuSpec { Cores = 1 },
            Memory = new MemorySpec { Size = "64Mi" },
            Interfaces = interfaces,
        },
    };

    private static InterfaceSpec User(string name, params PortForwardSpec[] forwards) =>
        new() { Name = name, UserNetwork = new UserNetworkSpec { PortForwards = forwards } };

    private static InterfaceSpec Bridged(string name, string bridge = "br0") => new() { Name = name, Bridge = new BridgeSpec { Name = bridge } };

    private static PortForwardSpec Forward(int guestPort, int? hostPort = null, string? protocol = null, string? hostAddress = null) =>
        new() { GuestPort = guestPort, HostPort = hostPort, Protocol = protocol, HostAddress = hostAddress };

    private static string Errors(NumaVirtualMachine vm) => NumaVirtualMachineValidator.Validate(vm).Summary;

    [Fact]
    public void A_user_network_with_forwards_and_a_bridge_interface_are_valid()
    {
        var result = NumaVirtualMachineValidator.Validate(Vm(
            User("default", Forward(80, 8080), Forward(22), Forward(53, 8080, "UDP"), Forward(443, 8443, hostAddress: "0.0.0.0")),
            Bridged("lan"),
            new InterfaceSpec { Name = "lan2", MacAddress = "52:54:00:AB:cd:01", Bridge = new BridgeSpec { Name = "br-vm.10" } }));
        Assert.True(result.IsValid, result.Summary);
    }

    [Fact]
    public void Duplicate_interface_names_are_rejected_on_the_second_one()
    {
        Assert.Equal(
            "spec.interfaces[1].name: Invalid value: \"lan\": must be unique: another interface of this VM has the same name",
            Errors(Vm(Bridged("lan"), User("lan"))));
    }

    [Fact]
    public void An_interface_name_that_is_not_a_dns_label_is_rejected()
    {
        Assert.StartsWith("spec.interfaces[0].name: Invalid value: \"Eth_0\": must be a DNS label", Errors(Vm(Bridged("Eth_0"))), StringComparison.Ordinal);
        Assert.StartsWith("spec.interfaces[0].name: Required value", Errors(Vm(Bridged(""))), StringComparison.Ordinal);
    }

    [Fact]
    public void Both_or_neither_of_user_network_and_bridge_is_rejected()
    {
        var both = new InterfaceSpec { Name = "x", UserNetwork = new UserNetworkSpec(), Bridge = new BridgeSpec { Name = "br0" } };
        Assert.Equal("spec.interfaces[0]: Invalid value: \"x\": exactly one of userNetwork or bridge must be set", Errors(Vm(both)));
        Assert.Equal("spec.interfaces[0]: Invalid value: \"y\": exactly one of userNetwork or bridge must be set", Errors(Vm(new InterfaceSpec { Name = "y" })));
    }

    [Theory]
    [InlineData("01:00:5e:00:00:01", "is a multicast address (the lowest bit of the first octet is set); a NIC needs a unicast address")]
    [InlineData("ff:ff:ff:ff:ff:ff", "is a multicast address (the lowest bit of the first octet is set); a NIC needs a unicast address")]
    [InlineData("00:00:00:00:00:00", "must not be all zeros")]
    [InlineData("52:54:00:12:34", "must be six hex octets separated by ':' (e.g. 52:54:00:12:34:56); omit it for a generated address")]
    [InlineData("52-54-00-12-34-56", "must be six hex octets separated by ':' (e.g. 52:54:00:12:34:56); omit it for a generated address")]
    [InlineData("52:54:00:12:34:zz", "must be six hex octets separated by ':' (e.g. 52:54:00:12:34:56); omit it for a generated address")]
    public void A_bad_mac_address_is_rejected_with_why(string mac, string why)
    {
        var nic = Bridged("lan");
        nic.MacAddress = mac;
        Assert.Equal($"spec.interfaces[0].macAddress: Invalid value: \"{mac}\": {why}", Errors(Vm(nic)));
    }

    [Fact]
    public void Ports_out_of_range_name_their_field()
    {
        var errors = Errors(Vm(User("default", Forward(0, 70000))));
        Assert.Contains("spec.interfaces[0].userNetwork.portForwards[0].guestPort: Invalid value: 0: must be between 1 and 65535", errors, StringComparison.Ordinal);
        Assert.Contains("spec.interfaces[0].userNetwork.portForwards[0].hostPort: Invalid value: 70000: must be between 1 and 65535; omit it to let the agent pick a free port", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_protocol_and_a_host_address_that_is_not_ipv4_are_rejected()
    {
        var errors = Errors(Vm(User("default", Forward(80, 8080, "SCTP", "localhost"))));
        Assert.Contains("spec.interfaces[0].userNetwork.portForwards[0].protocol: Unsupported value: \"SCTP\": supported values: \"TCP\", \"UDP\"", errors, StringComparison.Ordinal);
        Assert.Contains("spec.interfaces[0].userNetwork.portForwards[0].hostAddress: Invalid value: \"localhost\": must be an IPv4 address", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_protocol_host_port_and_address_twice_is_a_duplicate_even_across_interfaces()
    {
        Assert.Equal(
            "spec.interfaces[1].userNetwork.portForwards[0].hostPort: Invalid value: 8080: duplicate forward: spec.interfaces[0].userNetwork.portForwards[0].hostPort already listens on TCP 127.0.0.1:8080 (0.0.0.0 covers every address)",
            Errors(Vm(User("a", Forward(80, 8080)), User("b", Forward(81, 8080, "TCP", "127.0.0.1")))));
    }

    [Fact]
    public void Any_address_clashes_with_every_address_on_the_same_port_but_other_protocols_and_addresses_do_not()
    {
        Assert.Contains("duplicate forward", Errors(Vm(User("a", Forward(80, 8080, hostAddress: "0.0.0.0"), Forward(81, 8080, hostAddress: "10.1.2.3")))), StringComparison.Ordinal);
        Assert.True(NumaVirtualMachineValidator.Validate(Vm(User("a", Forward(80, 8080), Forward(81, 8080, "UDP"), Forward(82, 8080, hostAddress: "10.1.2.3")))).IsValid);
    }

    [Fact]
    public void A_bridge_name_longer_than_an_interface_name_or_with_a_slash_is_rejected()
    {
        Assert.Equal("spec.interfaces[0].bridge.name: Too long: \"bridge-name-is-long\": may not be more than 15 bytes", Errors(Vm(Bridged("lan", "bridge-name-is-long"))));
        Assert.StartsWith("spec.interfaces[0].bridge.name: Invalid value: \"../br\": must be a Linux interface name", Errors(Vm(Bridged("lan", "../br"))), StringComparison.Ordinal);
    }

    [Fact]
    public void Generated_macs_are_stable_unicast_locally_administered_and_differ_per_vm_and_interface()
    {
        var uid = Guid.Parse("6f1c1e9a-1111-4a4a-9b9b-0123456789ab");
        var mac = MacAddress.Generate(uid, "default");
        Assert.Equal(mac, MacAddress.Generate(uid, "default"));
        Assert.Matches("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", mac);
        var octets = MacAddress.Parse(mac)!;
        Assert.Equal(0x02, octets[0] & 0x03); // unicast, locally administered
        Assert.Null(MacAddress.UnicastProblem(octets));
        Assert.NotEqual(mac, MacAddress.Generate(uid, "lan"));
        Assert.NotEqual(mac, MacAddress.Generate(Guid.NewGuid(), "default"));
    }

    [Fact]
    public void A_given_mac_is_kept_in_lowercase_and_a_missing_one_is_generated()
    {
        var uid = Guid.NewGuid();
        Assert.Equal("52:54:00:ab:cd:01", MacAddress.For(uid, "lan", "52:54:00:AB:cd:01"));
        Assert.Equal(MacAddress.Generate(uid, "lan"), MacAddress.For(uid, "lan", null));
    }

    [Fact]
    public void The_linux_web_example_is_valid()
    {
        var vm = k8s.KubernetesYaml.Deserialize<NumaVirtualMachine>(File.ReadAllText(NumaOperator.Tests.Shared.RepoPaths.Combine("examples", "vm-linux-web.yaml")));
        var result = NumaVirtualMachineValidator.Validate(vm);
        Assert.True(result.IsValid, result.Summary);
        Assert.Equal(80, vm.Spec.Interfaces!.Single().UserNetwork!.PortForwards!.Single().GuestPort);
    }
}
