namespace NumaOperator.Qemu.CommandLine;

/// <summary>
/// The files of one VM in its state directory (one directory per VM): QMP socket, console socket, pid file, serial log, lock and
/// the VM uuid, which together let a restarted agent adopt the running QEMU. The layout under the agent's state root is
/// known here only: STATE/vms/UID for the QEMU that is the VM, STATE/incoming/UID for the paused target QEMU of a live
/// migration (same -uuid; renamed to STATE/vms/UID at handover, which unix sockets and the pid file survive).
/// </summary>
public sealed record VmStatePaths(string Directory)
{
    /// <summary>sun_path holds 108 bytes including the NUL.</summary>
    public const int MaxSocketPathBytes = 107;

    /// <summary>STATE/vms: one directory per VM whose QEMU runs (or ran) here.</summary>
    public const string VmsFolder = "vms";

    /// <summary>STATE/incoming: one directory per VM this node receives in a live migration.</summary>
    public const string IncomingFolder = "incoming";

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

    /// <summary>STATE/vms/UID.</summary>
    public static VmStatePaths ForVm(string stateRoot, Guid uid) => new(Path.Combine(VmsRoot(stateRoot), uid.ToString("D")));

    /// <summary>STATE/incoming/UID.</summary>
    public static VmStatePaths ForIncoming(string stateRoot, Guid uid) => new(Path.Combine(IncomingRoot(stateRoot), uid.ToString("D")));

    public static string VmsRoot(string stateRoot) => Path.Combine(stateRoot, VmsFolder);

    public static string IncomingRoot(string stateRoot) => Path.Combine(stateRoot, IncomingFolder);

    /// <summary>The uids of the directories under <paramref name="root"/> (a VmsRoot or IncomingRoot); other names are ignored.</summary>
    public static IReadOnlyList<Guid> UidsUnder(string root) => !System.IO.Directory.Exists(root)
        ? []
        : [.. System.IO.Directory.EnumerateDirectories(root).Select(d => Guid.TryParse(Path.GetFileName(d), out var uid) ? uid : Guid.Empty).Where(u => u != Guid.Empty)];
}
