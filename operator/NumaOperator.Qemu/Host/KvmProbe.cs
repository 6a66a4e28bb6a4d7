namespace NumaOperator.Qemu.Host;

/// <summary>Whether this process can open the KVM device read-write: the precondition for asking QEMU about KVM at all.</summary>
public static class KvmProbe
{
    public const string DefaultDevice = "/dev/kvm";

    public static bool IsUsable(string device = DefaultDevice) => Problem(device) is null;

    /// <summary>Null when <paramref name="device"/> opens read-write, else why not.</summary>
    public static string? Problem(string device = DefaultDevice)
    {
        if (!File.Exists(device))
        {
            return $"{device} does not exist (no hardware virtualization here, or the kvm module is not loaded)";
        }

        try
        {
            using var stream = new FileStream(device, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{device} does not open read-write: {e.Message}";
        }
    }
}
