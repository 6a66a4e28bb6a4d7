namespace NumaOperator.Qemu.CommandLine;

/// <summary>
/// The files of one VM in its state directory (one directory per VM): QMP socket, console socket, pid file, serial log, lock and
/// the VM uuid, which together let a restarted agent adopt the running QEMU.
/// </summary>
public sealed record VmStatePaths(string Directory)
{
    /// <summary>sun_path holds 108 bytes including the NUL.</summary>
    public const int MaxSocketPathBytes = 107;

    public string QmpSocket => Path.Combine(Directory, "qmp.sock");

    public string PidFile => Path.Combine(Directory, "qemu.pid");

    public string SerialLog => Path.Combine(Directory, "serial.log");

    /// <summary>The serial log's previous part, kept when the agent bounds the log (see SerialLogBound).</summary>
    public string SerialLogPrevious => Path.Combine(Directory, "serial.log.1");

    /// <summary>The serial port's socket (QEMU listens; `numa-operator console` reaches it through the agent).</summary>
    public string ConsoleSocket => Path.Combine(Directory, "console.sock");

    public string LockFile => Path.Combine(Directory, "lock");

    public string UuidFile => Path.Combine(Directory, "uuid");

    public string ArgvFile => Path.Combine(Directory, "argv");
}
