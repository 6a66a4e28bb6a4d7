namespace NumaOperator.Api.Status;

/// <summary>status.restarts.lastExitReason: why a VM's QEMU exited when nobody asked it to.</summary>
public static class ExitReasons
{
    /// <summary>The guest powered off: QEMU sent a QMP SHUTDOWN event with reason guest-shutdown, then exited.</summary>
    public const string GuestShutdown = "GuestShutdown";

    /// <summary>QEMU died without a guest shutdown: it crashed, or was killed (kill -9, the OOM killer).</summary>
    public const string Crashed = "Crashed";

    /// <summary>QEMU was gone when the agent came back (host reboot, or it died while no agent watched): cause unknown.</summary>
    public const string Lost = "Lost";

    /// <summary>A failure, as RerunOnFailure reads it: anything but the guest's own poweroff.</summary>
    public static bool IsFailure(string reason) => reason != GuestShutdown;
}
