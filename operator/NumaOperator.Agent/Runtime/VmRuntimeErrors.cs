namespace NumaOperator.Agent.Runtime;

/// <summary>Why a launch was refused before anything started.</summary>
public enum LaunchRefusal
{
    /// <summary>spec.boot names files that do not resolve inside the image root: the spec must change.</summary>
    BadBootFile,

    /// <summary>This host cannot run the VM now (pages, hugetlbfs, QEMU, ...): worth trying again.</summary>
    HostNotReady,

    /// <summary>A placed host NUMA node has fewer free hugepages than the VM needs: the controller places it again.</summary>
    InsufficientHugepages,
}

/// <summary>A launch refused by pre-flight; nothing was started or created.</summary>
public sealed class LaunchRefusedException : Exception
{
    public LaunchRefusedException(LaunchRefusal refusal, string message, Exception? inner = null)
        : base(message, inner)
    {
        Refusal = refusal;
    }

    public LaunchRefusedException()
    {
    }

    public LaunchRefusedException(string message)
        : base(message)
    {
    }

    public LaunchRefusedException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public LaunchRefusal Refusal { get; } = LaunchRefusal.HostNotReady;
}

/// <summary>QEMU did not start; the message carries the cause and the serial log's evidence.</summary>
public sealed class VmStartFailedException : Exception
{
    public VmStartFailedException()
    {
    }

    public VmStartFailedException(string message)
        : base(message)
    {
    }

    public VmStartFailedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>A running QEMU could not be taken over.</summary>
public sealed class VmAdoptFailedException : Exception
{
    public VmAdoptFailedException()
    {
    }

    public VmAdoptFailedException(string message)
        : base(message)
    {
    }

    public VmAdoptFailedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
