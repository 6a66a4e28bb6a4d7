using System.Text.RegularExpressions;

namespace NumaOperator.Qemu.Host;

/// <summary>
/// Which namespaces may boot which files of the image root (agent --image-access NAMESPACE=DIR[,DIR...], chart value
/// imageAccess). No rule at all: every namespace may use every file under the root (the default, for single-tenant
/// nodes). With rules: a namespace may use files under its own directories and under those of "*" (every namespace),
/// nothing else. Directories are relative to the root ("." is the whole root) and compared on real paths, so a
/// symlink cannot reach another namespace's directory. Applies to spec.boot.kernel, initrd and disk.image.
/// </summary>
public sealed partial class ImageAccess
{
    public const string EveryNamespace = "*";
    public const string FlagName = "--image-access";
    public const string RuleForm = "NAMESPACE=DIR[,DIR...] (NAMESPACE a namespace name or * for every namespace; DIR a directory relative to the image root, or . for all of it)";

    private readonly IReadOnlyDictionary<string, IReadOnlyList<string>> rules;

    private ImageAccess(IReadOnlyDictionary<string, IReadOnlyList<string>> rules)
    {
        this.rules = rules;
    }

    /// <summary>No rules: every namespace may use every file under the root.</summary>
    public static ImageAccess Everyone { get; } = new(new Dictionary<string, IReadOnlyList<string>>());

    public bool Restricted => rules.Count > 0;

    /// <summary>Parses --image-access values; each bad one is a message naming it and the allowed form.</summary>
    public static ImageAccess Parse(IEnumerable<string> values, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(values);
        var parsed = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var value in values)
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            var ns = equals < 0 ? value : value[..equals];
            var dirs = equals < 0 ? [] : value[(equals + 1)..].Split(',');
            if (equals < 0 || (ns != EveryNamespace && !NamespaceName().IsMatch(ns)) || dirs.Length == 0 || dirs.Any(d => d != "." && !DirectoryName().IsMatch(d)))
            {
                errors.Add($"{FlagName}: \"{value}\" is not {RuleForm}");
                continue;
            }

            if (!parsed.TryGetValue(ns, out var list))
            {
                parsed[ns] = list = [];
            }

            list.AddRange(dirs.Select(d => d.TrimEnd('/')));
        }

        problems = errors;
        return new ImageAccess(parsed.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value.Distinct().ToArray(), StringComparer.Ordinal));
    }

    /// <summary>The directories <paramref name="ns"/> may use (its own and every namespace's); empty when it may use none.</summary>
    public IReadOnlyList<string> DirectoriesOf(string ns) =>
        [.. rules.GetValueOrDefault(ns, []).Concat(rules.GetValueOrDefault(EveryNamespace, [])).Distinct()];

    /// <summary>Refuses a resolved boot file the namespace may not use.</summary>
    /// <param name="field">The spec field, for the message (spec.boot.disk.image).</param>
    /// <param name="realPath">The file's real path, as <see cref="ImageRoot.Resolve"/> returned it.</param>
    /// <exception cref="BootFileException">The file lies outside every directory the namespace may use.</exception>
    public void Check(string field, string ns, string relativeName, string realPath, ImageRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!Restricted)
        {
            return;
        }

        var allowed = DirectoriesOf(ns);
        foreach (var dir in allowed)
        {
            if (ImageRoot.RealPathOf(Path.Combine(root.Path, dir)) is { } realDir && IsUnder(realDir, realPath))
            {
                return;
            }
        }

        var where = allowed.Count == 0 ? "none (no --image-access rule names it or *)" : string.Join(", ", allowed.Select(d => d == "." ? "the whole root" : d + "/"));
        throw new BootFileException(field, relativeName, $"is not allowed for namespace {ns}: it may use files under {where} of the image root {root.Path} (agent {FlagName}, chart value imageAccess)");
    }

    /// <summary>Every file of spec.boot (already resolved in <paramref name="resolved"/>) checked for <paramref name="ns"/>.</summary>
    /// <exception cref="BootFileException">One of them is not allowed.</exception>
    public void CheckBoot(Preflight.BootFiles? boot, CommandLine.ResolvedBoot resolved, string ns, ImageRoot root)
    {
        ArgumentNullException.ThrowIfNull(resolved);
        if (boot is null)
        {
            return;
        }

        foreach (var (field, name, real) in new[] { ("spec.boot.kernel", boot.Kernel, resolved.KernelPath), ("spec.boot.initrd", boot.Initrd, resolved.InitrdPath), ("spec.boot.disk.image", boot.Disk?.Image, resolved.DiskPath) })
        {
            if (name is not null && real is not null)
            {
                Check(field, ns, name, real, root);
            }
        }
    }

    private static bool IsUnder(string directory, string file) =>
        file.StartsWith(directory.EndsWith('/') ? directory : directory + "/", StringComparison.Ordinal);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex NamespaceName();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9._+-]*(/[A-Za-z0-9_][A-Za-z0-9._+-]*)*/?$", RegexOptions.CultureInvariant)]
    private static partial Regex DirectoryName();
}
