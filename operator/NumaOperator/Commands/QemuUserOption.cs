using System.CommandLine;
using NumaOperator.Qemu.CommandLine;

namespace NumaOperator.Cli.Commands;

/// <summary>--qemu-user, shared by agent, standalone and launch: the uid:gid QEMU drops to after opening its files.</summary>
internal static class QemuUserOption
{
    public const string Name = "--qemu-user";

    /// <summary>The startup warning when QEMU is told to stay root.</summary>
    public const string RootWarning = Name + " root: QEMU keeps running as root after start-up (no privilege drop); a guest that escapes QEMU owns the host";

    public static Option<string> Create() => new(Name)
    {
        Description = $"The uid:gid each QEMU switches to once its memory, QMP socket, pid file and disks are open (QEMU's -runas, or -run-with user= from QEMU 9.1); {QemuUser.AllowedForms}. Only applies when running as root",
        DefaultValueFactory = _ => QemuUser.Default.ToString(),
    };

    /// <summary>Null keeps QEMU as root.</summary>
    /// <exception cref="BadInputException">Not one of <see cref="QemuUser.AllowedForms"/>.</exception>
    public static QemuUser? Parse(string? text) =>
        QemuUser.TryParse(text, out var user, out var error) ? user : throw new BadInputException($"{Name}: {error}");
}
