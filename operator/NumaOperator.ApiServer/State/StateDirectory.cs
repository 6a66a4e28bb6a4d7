namespace NumaOperator.ApiServer.State;

/// <summary>
/// The data directory holds every object (and soon cloud-init secrets), the token and the serving key: only its
/// owner may read it. Created 0700 with its files 0600. An existing one with looser modes (as every data dir made
/// before this check is: 0755 and 0644) is tightened before anything is opened, with a warning each: refusing would
/// make every upgrade a manual chmod for nothing the process cannot do itself, and the warning says that the files
/// were readable until now.
/// </summary>
public static class StateDirectory
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode SecretFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The files of the data directory that must be private; ca.crt is public by nature.</summary>
    public static IReadOnlyList<string> SecretFiles { get; } = ["state.db", "state.db-wal", "state.db-shm", "token", "serving.pfx"];

    private const UnixFileMode GroupAndOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Creates <paramref name="path"/> 0700 if missing (parents with the usual mode), then <see cref="Secure"/>.</summary>
    /// <returns>One warning per mode that was looser and is now tightened.</returns>
    public static IReadOnlyList<string> Prepare(string path)
    {
        if (!Directory.Exists(path))
        {
            var parent = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(parent))
            {
                Directory.CreateDirectory(parent);
            }

            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
            }
            else
            {
                Directory.CreateDirectory(path, DirectoryMode);
            }
        }

        return Secure(path);
    }

    /// <summary>Tightens the directory to 0700 and each secret file present to 0600 where group or others had any bit.</summary>
    public static IReadOnlyList<string> Secure(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return [];
        }

        var warnings = new List<string>();
        Tighten(path, File.GetUnixFileMode(path), DirectoryMode, "data directory", warnings);
        foreach (var name in SecretFiles)
        {
            var file = Path.Combine(path, name);
            if (File.Exists(file))
            {
                Tighten(file, File.GetUnixFileMode(file), SecretFileMode, "file", warnings);
            }
        }

        return warnings;
    }

    /// <summary>Creates an empty file with mode 0600 unless it exists: SQLite gives its -wal and -shm files the mode of the database file.</summary>
    public static void CreateSecretFile(string path)
    {
        if (File.Exists(path))
        {
            return;
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = SecretFileMode;
        }

        using var created = new FileStream(path, options);
    }

    /// <summary>Pure: the mode to set and the warning, or null when <paramref name="actual"/> grants group and others nothing.</summary>
    public static (UnixFileMode Mode, string Warning)? Judge(string path, UnixFileMode actual, UnixFileMode wanted, string what)
    {
        if ((actual & GroupAndOther) == 0)
        {
            return null;
        }

        return (wanted, $"{what} {path} had mode {Octal(actual)}, readable beyond its owner until now; set to {Octal(wanted)}");
    }

    private static void Tighten(string path, UnixFileMode actual, UnixFileMode wanted, string what, List<string> warnings)
    {
        if (Judge(path, actual, wanted, what) is { } fix && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, fix.Mode);
            warnings.Add(fix.Warning);
        }
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8);
}
