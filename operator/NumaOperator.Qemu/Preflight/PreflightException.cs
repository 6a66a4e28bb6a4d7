namespace NumaOperator.Qemu.Preflight;

/// <summary>A launch refused before any QEMU started. <see cref="IsBadInput"/>: the spec or flags are wrong (exit 2); else the host is not ready (exit 1).</summary>
public sealed class PreflightException : Exception
{
    public PreflightException(string message, bool isBadInput)
        : base(message)
    {
        IsBadInput = isBadInput;
    }

    public PreflightException()
    {
    }

    public PreflightException(string message)
        : base(message)
    {
    }

    public PreflightException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public bool IsBadInput { get; }

    /// <summary>The host has fewer free hugepages on a placed host NUMA node than the VM needs (the scheduler may place it elsewhere).</summary>
    public bool IsHugepageShortage { get; init; }
}
