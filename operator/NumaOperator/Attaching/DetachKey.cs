namespace NumaOperator.Cli.Attaching;

/// <summary>
/// The key that leaves a console without stopping the VM: Ctrl+] (byte 0x1d), as telnet and KubeVirt's
/// <c>virtctl console</c>. Everything typed before it in the same read still goes to the guest; nothing after it does.
/// </summary>
public static class DetachKey
{
    public const byte Byte = 0x1d;

    public const string Name = "Ctrl+]";

    /// <summary>How many bytes of <paramref name="input"/> go to the guest, and whether the detach key was among them.</summary>
    public static (int Forward, bool Detach) Scan(ReadOnlySpan<byte> input)
    {
        var at = input.IndexOf(Byte);
        return at < 0 ? (input.Length, false) : (at, true);
    }
}
