using System.ComponentModel;
using System.Text.Json.Serialization;
using NumaOperator.Api.Crds;
using NumaOperator.Api.Status;

namespace NumaOperator.Api.V1Alpha1;

public sealed partial class NumaVirtualMachineStatus
{
    [JsonPropertyName("restarts")]
    [Description("Exits of the VM's QEMU that nobody asked for (crash, kill, guest poweroff, QEMU gone after a host reboot) and what the run strategy made of them. Absent until the first such exit.")]
    public RestartStatus? Restarts { get; set; }
}

/// <summary>The agent's record of unrequested QEMU exits and the restarts they caused (written by the agent only).</summary>
public sealed class RestartStatus
{
    [JsonPropertyName("count")]
    [Minimum(0)]
    [Description("How many times the agent restarted QEMU after it exited on its own, over the VM's life.")]
    public int Count { get; set; }

    [JsonPropertyName("consecutiveExits")]
    [Minimum(0)]
    [Description("Exits in a row without a stable run in between (a run of 10 minutes resets it); the restart delay doubles with each.")]
    public int ConsecutiveExits { get; set; }

    [JsonPropertyName("lastExitReason")]
    [EnumValues(ExitReasons.GuestShutdown, ExitReasons.Crashed, ExitReasons.Lost)]
    [Description("Why QEMU last exited on its own. GuestShutdown: the guest powered off (QMP SHUTDOWN, guest-shutdown). Crashed: QEMU died without a guest shutdown (crash, kill -9, OOM kill). Lost: QEMU was gone when the agent came back (host reboot, or it died while no agent watched).")]
    public string? LastExitReason { get; set; }

    [JsonPropertyName("lastExitMessage")]
    [MaxLength(1024)]
    [Description("The exit as the agent saw it: pid and the last serial output.")]
    public string? LastExitMessage { get; set; }

    [JsonPropertyName("lastExitTime")]
    [Description("When the agent saw QEMU gone.")]
    public DateTime? LastExitTime { get; set; }

    [JsonPropertyName("nextRestartAt")]
    [Description("When the agent starts QEMU again (the backoff); absent when no restart is due.")]
    public DateTime? NextRestartAt { get; set; }
}
