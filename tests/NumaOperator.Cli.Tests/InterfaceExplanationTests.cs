using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Explaining;

namespace NumaOperator.Cli.Tests;

/// <summary>`explain` of a running VM with a user-mode NIC and a bridged tap: where each forward listens on the host.</summary>
public sealed class InterfaceExplanationTests
{
    private static readonly DateTime Now = new(2026, 12, 4, 23, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Explain_prints_each_interface_with_its_mac_tap_and_the_host_address_and_port_of_every_forward()
    {
        var vm = new NumaVirtualMachine
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Generation = 1, CreationTimestamp = Now.AddHours(-1) },
            Spec = new NumaVirtualMachineSpec { Running = true, Cpu = new CpuSpec { Cores = 1 }, Memory = new MemorySpec { Size = "64Mi" } },
            Status = new NumaVirtualMachineStatus
            {
                Phase = "Running",
                NodeName = "worker-7",
                ObservedGeneration = 1,
                Placement = new PlacementStatus { PageSize = "4Ki", GuestNodes = [new GuestNodePlacementStatus { GuestNode = 0, HostNode = 0, Vcpus = "0", Memory = "64Mi" }] },
                Interfaces =
                [
                    new InterfaceStatus
                    {
                        Name = "default",
                        MacAddress = "52:54:00:12:34:56",
                        PortForwards =
                        [
                            new PortForwardStatus { Name = "http", Protocol = "TCP", GuestPort = 80, HostAddress = "127.0.0.1", HostPort = 40123 },
                            new PortForwardStatus { Protocol = "UDP", GuestPort = 53, HostAddress = "0.0.0.0", HostPort = 5353 },
                        ],
                    },
                    new InterfaceStatus { Name = "lan", MacAddress = "02:aa:bb:cc:dd:ee", Tap = "nvm0123456789ab", Bridge = "br0" },
                ],
            },
        };

        var e = ExplanationBuilder.Build(new ExplainInput(vm, [], [], [], [], Now));

        Assert.Equal(["127.0.0.1:40123", "0.0.0.0:5353"], e.Interfaces[0].Forwards.Select(f => f.Host));
        using var writer = new StringWriter();
        ExplanationText.Write(e, writer);
        var text = writer.ToString();
        Assert.Matches(@"\nInterfaces:\n  NAME\s+MAC\s+ATTACHED TO\s+FORWARDS \(HOST -> GUEST\)\n", text);
        Assert.Matches(@"\n  default\s+52:54:00:12:34:56\s+user-mode network\s+http TCP 127\.0\.0\.1:40123 -> 80, UDP 0\.0\.0\.0:5353 -> 53\n", text);
        Assert.Matches(@"\n  lan\s+02:aa:bb:cc:dd:ee\s+tap nvm0123456789ab on bridge br0\s+-\n", text);
        var json = System.Text.Json.Nodes.JsonNode.Parse(ExplanationJson.Serialize(e))!["interfaces"]!.AsArray();
        Assert.Equal("127.0.0.1:40123", json[0]!["forwards"]![0]!["host"]!.GetValue<string>());
    }
}
