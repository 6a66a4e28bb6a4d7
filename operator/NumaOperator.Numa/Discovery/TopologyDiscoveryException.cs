namespace NumaOperator.Numa.Discovery;

/// <summary>
/// A sysfs file the topology depends on is missing, unreadable or not in the kernel's format.
/// The message starts with the file's full path and says what was expected, e.g.
/// "/sys/devices/system/node/node1/distance: expected space-separated integers, got 'abc'".
/// </summary>
public sealed class TopologyDiscoveryException : Exception
{
    public TopologyDiscoveryException(string path, string problem)
        : base($"{path}: {problem}")
    {
        FilePath = path;
    }

    public TopologyDiscoveryException(string path, string problem, Exception inner)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
    }

    public TopologyDiscoveryException()
    {
        FilePath = string.Empty;
    }

    public TopologyDiscoveryException(string message)
        : base(message)
    {
        FilePath = string.Empty;
    }

    /// <summary>The sysfs file (or directory) at fault.</summary>
    public string FilePath { get; }
}
