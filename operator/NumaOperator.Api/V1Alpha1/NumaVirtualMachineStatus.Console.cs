using System.ComponentModel;
using System.Text.Json.Serialization;
using NumaOperator.Api.Crds;

namespace NumaOperator.Api.V1Alpha1;

public sealed partial class NumaVirtualMachineStatus
{
    [JsonPropertyName("console")]
    [Description("Where the agent of the VM's node serves its serial console and serial log (numa-operator console / logs), written by that agent; absent when it serves none. Readers of the VM can find it; RBAC on numavirtualmachines/console and /log decides who may use it.")]
    public ConsoleEndpointStatus? Console { get; set; }
}

/// <summary>An agent's console endpoint: clients trust exactly the CA the agent published here, through the API server.</summary>
public sealed class ConsoleEndpointStatus
{
    [JsonPropertyName("url")]
    [MaxLength(2048)]
    [Description("Base URL (https://ADDRESS:PORT) of the agent's console endpoint.")]
    public string Url { get; set; } = string.Empty;

    [JsonPropertyName("certificateAuthority")]
    [MaxLength(8192)]
    [Description("PEM of the CA that signed the endpoint's serving certificate (made by the agent; its key never leaves the node).")]
    public string CertificateAuthority { get; set; } = string.Empty;
}
