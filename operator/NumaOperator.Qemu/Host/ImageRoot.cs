using System.Diagnostics.CodeAnalysis;

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

        var root = RealPath(Path) ?? Path;
        var candidate = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, relativeName));
        if (!File.Exists(candidate) || RealPath(candidate) is not { } real)
        {
            throw new BootFileException(field, relativeName, $"no such file under the image root {root}");
        }

        if (!IsInside(root, real))
        {
            throw new BootFileException(field, relativeName, $"resolves to {real}, outside the image root {root} (symlinks are followed)");
        }

        if (!File.Exists(real) || Directory.Exists(real))
        {
            throw new BootFileException(field, relativeName, $"{real} is not a regular file");
        }

        return real;
    }

    /// <summary>
    /// Where open(2) of <paramref name="path"/> lands (symlinks and ".." resolved as the kernel does), when that is a
    /// regular file inside the root. For names QEMU opens on its own, such as a qcow2 image's backing file.
    /// </summary>
    /// <param name="path">An absolute path, as QEMU would open it.</param>
    /// <param name="real">The real path inside the root.</param>
    /// <param name="problem">Why not, to follow a name ("does not exist", "resolves to /etc/shadow, outside the root").</param>
    public bool TryResolveOpened(string path, [NotNullWhen(true)] out string? real, [NotNullWhen(false)] out string? problem)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        real = null;
        if (!System.IO.Path.IsPathRooted(path))
        {
            problem = "is not an absolute path";
            return false;
        }

        if (!Directory.Exists(Path) || RealPath(Path) is not { } root)
        {
            problem = $"cannot be checked: the image root {Path} does not exist";
            return false;
        }

        var resolved = RealPath(path);
        if (resolved is null || !File.Exists(resolved))
        {
            problem = Directory.Exists(resolved) ? $"resolves to {resolved}, a directory" : "does not exist";
            return false;
        }

        if (!IsInside(root, resolved))
        {
            problem = $"resolves to {resolved}, outside the root";
            return false;
        }

        real = resolved;
        problem = null;
        return true;
    }

    /// <summary>realpath(3) of <paramref name="path"/> (symlinks followed), or null where open(2) would fail on a component.</summary>
    public static string? RealPathOf(string path) => RealPath(System.IO.Path.GetFullPath(path));

    private static bool IsInside(string root, string real) =>
        real.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal);

    /// <summary>
    /// realpath(3): each component in order, a symlink replaced by its target (relative to the directory holding it)
    /// before any later "..", so "link/.." is the parent of the link's target, not the directory holding the link.
    /// Null where the kernel would fail: a missing or non-directory component before the last, or more than 40 links.
    /// </summary>
    private static string? RealPath(string path)
    {
        const int maxLinks = 40;
        var resolved = new List<string>();
        var pending = new Stack<string>();
        PushComponents(pending, path);
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            var current = "/" + string.Join('/', resolved.Append(part));
            string? target;
            try
            {
                target = new FileInfo(current).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }

            if (target is not null)
            {
                if (++links > maxLinks)
                {
                    return null;
                }

                if (target.StartsWith('/'))
                {
                    resolved.Clear();
                }

                PushComponents(pending, target);
                continue;
            }

            resolved.Add(part);
            // Anything after a component ("x/", "x/.", "x/..") needs it to be a directory, as the kernel does.
            if (pending.Count > 0 && !Directory.Exists(current))
            {
                return null;
            }
        }

        return "/" + string.Join('/', resolved);
    }

    private static void PushComponents(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
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
