using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace NumaOperator.Tests.Shared;

/// <summary>
/// numa-operator as tests/tools/publish.sh ships it (Native AOT): what the NUMA lab runs inside its TCG guest, and what
/// every test that starts numa-operator runs under tests/run.sh (<see cref="CliUnderTest"/>). Published once per content
/// of the sources that make it, into $NUMAOP_CACHE_DIR (default /var/cache/numa-operator) /cli-KEY, outside the clone, so
/// a second run reuses it. Only the most recently used publishes are kept (each is about 120 MB).
/// </summary>
public static class PublishedCli
{
    /// <summary>Publishes kept in the cache, by last use: the current one and a few others (another clone's tests may be using them).</summary>
    public const int KeptPublishes = 3;

    private static readonly Lazy<string> ExecutableLazy = new(Publish);

    /// <summary>The published executable (publishes on first use; throws with publish.sh's output when it fails).</summary>
    public static string Executable => ExecutableLazy.Value;

    /// <summary>The folder publish.sh wrote, the executable beside the rest of the self-contained app.</summary>
    public static string Folder => Path.GetDirectoryName(Executable)!;

    private static string Publish()
    {
        var cache = Environment.GetEnvironmentVariable("NUMAOP_CACHE_DIR") is { Length: > 0 } dir ? dir : "/var/cache/numa-operator";
        var target = Path.Combine(cache, "cli-" + ContentKey());
        var executable = Path.Combine(target, "numa-operator");
        Directory.CreateDirectory(cache);
        using var gate = Lock(Path.Combine(cache, "cli.lock"));
        if (!File.Exists(executable))
        {
            PublishInto(target);
        }

        Directory.SetLastWriteTimeUtc(target, DateTime.UtcNow); // its last use, which the pruning goes by
        Prune(cache);
        return executable;
    }

    private static void PublishInto(string target)
    {

        var staging = target + ".partial";
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        var start = new ProcessStartInfo("bash", [RepoPaths.Combine("tests", "tools", "publish.sh"), staging])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        using var publish = Process.Start(start)!;
        var stdout = publish.StandardOutput.ReadToEndAsync();
        var stderr = publish.StandardError.ReadToEndAsync();
        if (!publish.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            publish.Kill(entireProcessTree: true);
            throw new TimeoutException("tests/tools/publish.sh did not finish within 15 minutes");
        }

        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException($"tests/tools/publish.sh failed ({publish.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        }

        Directory.Move(staging, target);
    }

    /// <summary>Deletes all but the <see cref="KeptPublishes"/> most recently used publishes (under the cache's lock).</summary>
    private static void Prune(string cache)
    {
        var stale = new DirectoryInfo(cache).EnumerateDirectories("cli-*")
            .OrderByDescending(d => d.LastWriteTimeUtc)
            .Skip(KeptPublishes);
        foreach (var folder in stale)
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>An exclusive lock file (another test process may be publishing the same content).</summary>
    private static FileStream Lock(string path)
    {
        for (var waited = TimeSpan.Zero; ; waited += TimeSpan.FromSeconds(1))
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited < TimeSpan.FromMinutes(20))
            {
                Thread.Sleep(TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>SHA-256 over the paths and bytes of everything publish.sh reads: operator/, the build props, global.json and the script.</summary>
    private static string ContentKey()
    {
        var files = Directory.EnumerateFiles(RepoPaths.Combine("operator"), "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Concat(new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", Path.Combine("tests", "tools", "publish.sh") }.Select(f => RepoPaths.Combine(f)))
            .Where(File.Exists)
            .Order(StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(RepoPaths.Root, file) + "\n"));
            hash.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexString(hash.GetHashAndReset())[..16].ToLowerInvariant();
    }
}
