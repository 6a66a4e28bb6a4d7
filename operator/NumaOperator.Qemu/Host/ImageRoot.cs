namespace NumaOperator.Qemu.Host;

/// <summary>
/// The agent's image directory. Boot files named in a VM spec resolve inside it, symlinks followed, or are refused:
/// a spec must never make QEMU read /etc/shadow through "kernel: link-to-etc".
/// </summary>
public sealed class ImageRoot
{
    public const string DefaultPath = "/var/lib/numa-operator/images";

    public ImageRoot(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    public string Path { get; }

    /// <summary>The real path of <paramref name="relativeName"/> under the image root.</summary>
    /// <param name="field">The spec field, for the message (spec.boot.kernel).</param>
    /// <exception cref="BootFileException">Missing, not a regular file, or resolving outside the root.</exception>
    public string Resolve(string field, string relativeName)
    {
        ArgumentNullException.ThrowIfNull(relativeName);
        if (!Directory.Exists(Path))
        {
            throw new BootFileException(field, relativeName, $"the image root {Path} does not exist");
        }

        if (System.IO.Path.IsPathRooted(relativeName))
        {
            throw new BootFileException(field, relativeName, "must be a file name relative to the image root, not an absolute path");
        }

        var root = RealPath(Path);
        var candidate = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, relativeName));
        if (!File.Exists(candidate))
        {
            throw new BootFileException(field, relativeName, $"no such file under the image root {root}");
        }

        var real = RealPath(candidate);
        if (!real.StartsWith(root + "/", StringComparison.Ordinal))
        {
            throw new BootFileException(field, relativeName, $"resolves to {real}, outside the image root {root} (symlinks are followed)");
        }

        if (!File.Exists(real) || Directory.Exists(real))
        {
            throw new BootFileException(field, relativeName, $"{real} is not a regular file");
        }

        return real;
    }

    /// <summary>Follows every symlink of every path component, like realpath(3).</summary>
    private static string RealPath(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var parts = full.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = "/";
        for (var i = 0; i < parts.Length; i++)
        {
            var next = System.IO.Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            var target = info.Exists ? info.ResolveLinkTarget(returnFinalTarget: true) : null;
            current = target is null ? next : RealPath(target.FullName);
        }

        return current;
    }
}

/// <summary>A boot file that cannot be used; bad input (exit 2).</summary>
public sealed class BootFileException : Exception
{
    public BootFileException(string field, string value, string problem)
        : base($"{field}: \"{value}\" {problem}")
    {
        Field = field;
    }

    public BootFileException()
    {
        Field = string.Empty;
    }

    public BootFileException(string message)
        : base(message)
    {
        Field = string.Empty;
    }

    public BootFileException(string message, Exception inner)
        : base(message, inner)
    {
        Field = string.Empty;
    }

    public string Field { get; }
}
