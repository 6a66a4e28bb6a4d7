using System.Globalization;

namespace NumaOperator.Qemu.CommandLine;

/// <summary>
/// The unprivileged identity QEMU switches to (-runas, or -run-with user= from QEMU 9.1) once it has opened its
/// memory backends, QMP socket, pid file, serial log, disks and kernel as root. Numeric only: QEMU resolves a user
/// NAME with getpwnam in whatever mount namespace it runs in (the agent's image, or the host's under systemd-run), so
/// a name could mean different users, or none; "UID:GID" needs no /etc/passwd entry anywhere. Neither id may be 0.
/// </summary>
public sealed record QemuUser
{
    /// <summary>What the flag accepts, for error messages and help.</summary>
    public const string AllowedForms = "UID:GID (decimal, both 1-4294967294, e.g. 65531:65531) or root (QEMU keeps running as root)";

    /// <summary>The text that keeps today's behaviour: no privilege drop.</summary>
    public const string KeepRoot = "root";

    public QemuUser(uint uid, uint gid)
    {
        if (uid is 0 or uint.MaxValue || gid is 0 or uint.MaxValue)
        {
            throw new ArgumentException($"QEMU user {uid}:{gid}: expected {AllowedForms}");
        }

        Uid = uid;
        Gid = gid;
    }

    /// <summary>
    /// The default: a dedicated uid/gid of its own, not the controller's 65532 (Dockerfile), not nobody (65534), and in
    /// the range Debian never hands to packages or people (65000-65533), so it owns nothing on a host and shares no
    /// signals with other daemons.
    /// </summary>
    public static QemuUser Default { get; } = new(65531, 65531);

    public uint Uid { get; }

    public uint Gid { get; }

    /// <summary>
    /// Parses the flag's value. <paramref name="user"/> is null for "root" or an empty value (no drop).
    /// Returns false with <paramref name="error"/> naming the allowed forms for anything else.
    /// </summary>
    public static bool TryParse(string? text, out QemuUser? user, out string? error)
    {
        user = null;
        error = null;
        var trimmed = text?.Trim() ?? string.Empty;
        if (trimmed.Length == 0 || trimmed == KeepRoot)
        {
            return true;
        }

        var parts = trimmed.Split(':');
        if (parts.Length == 2 && TryParseId(parts[0], out var uid) && TryParseId(parts[1], out var gid))
        {
            user = new QemuUser(uid, gid);
            return true;
        }

        error = $"\"{text}\" is not {AllowedForms}; a user name is not accepted (QEMU would look it up in the passwd file of the namespace it runs in)";
        return false;
    }

    public override string ToString() => $"{Uid.ToString(CultureInfo.InvariantCulture)}:{Gid.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Plain decimal digits only: no sign, no hex (QEMU itself would take 0x..), not 0 and not (uid_t)-1.</summary>
    private static bool TryParseId(string text, out uint id)
    {
        id = 0;
        return text.Length is > 0 and <= 10
            && text.All(char.IsAsciiDigit)
            && uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id)
            && id is not 0 and not uint.MaxValue;
    }
}
