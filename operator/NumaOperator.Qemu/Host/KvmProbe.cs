namespace NumaOperator.Qemu.Host;

/// <summary>Whether QEMU can use KVM here: /dev/kvm exists and opens read-write (else TCG, said in the output).</summary>
public static class KvmProbe
{
    public static bool IsUsable(string device = "/dev/kvm")
    {
        try
        {
            using var stream = new FileStream(device, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
