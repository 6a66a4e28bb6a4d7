using System.Text.Json.Serialization;
using NumaOperator.Api.Crds;
using NumaOperator.Api.Status;

namespace NumaOperator.Api.V1Alpha1;

[XValidation(
    "!has(self.running) || !has(self.runStrategy)",
    "spec.running and spec.runStrategy are mutually exclusive: set only spec.runStrategy (running true is runStrategy Always, false is Halted)",
    FieldPath = ".running",
    Reason = "FieldValueForbidden")]
public sealed partial class NumaVirtualMachineSpec
{
    /// <summary>KubeVirt's run strategies; see <see cref="RunStrategies"/>.</summary>
    [JsonPropertyName("runStrategy")]
    [EnumValues(RunStrategies.Always, RunStrategies.RerunOnFailure, RunStrategies.Manual, RunStrategies.Halted)]
    [System.ComponentModel.Description("When QEMU runs, as KubeVirt's runStrategy. Always: keep it running, restart it whenever it exits (guest poweroff included), with exponential backoff. RerunOnFailure: restart it when QEMU crashes or is killed, not after the guest powers off. Manual: never start or restart on its own; numa-operator start|stop|restart (the numaoperator.io/power-request annotation) decides. Halted: keep it stopped. Omit to use spec.running (true: Always, false: Halted; both omitted: Always). Setting both runStrategy and running is rejected.")]
    public string? RunStrategy { get; set; }
}
