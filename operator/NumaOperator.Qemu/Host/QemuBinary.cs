using System.Diagnostics;
using System.Text.RegularExpressions;

namespace NumaOperator.Qemu.Host;

/// <summary>The qemu-system-x86_64 executable and the version it reports.</summary>
public sealed partial record QemuBinary(string Path, Version Version)
{
    public const string DefaultPath = "/usr/bin/qemu-system-x86_64";

    /// <summary>Runs "<paramref name="path"/> -version" (no shell) and parses "QEMU emulator version 7.2.22".</summary>
    /// <exception cref="FileNotFoundException">No executable at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">It ran but printed no QEMU version.</exception>
    public static QemuBinary Probe(string path) => Probe(path, [], path);

    /// <summary>
    /// The same through a launch path: <paramref name="launchPrefix"/> (e.g. nsenter into the host) runs
    /// <paramref name="path"/>, which this process sees at <paramref name="visiblePath"/>.
    /// </summary>
    public static QemuBinary Probe(string path, IReadOnlyList<string> launchPrefix, string visiblePath)
    {
        ArgumentNullException.ThrowIfNull(launchPrefix);
        if (!File.Exists(visiblePath))
        {
            var where = visiblePath == path ? path : $"{path} (seen here as {visiblePath})";
            throw new FileNotFoundException($"QEMU binary not found at {where} (install qemu-system-x86 or pass its path)", path);
        }

        IReadOnlyList<string> argv = [.. launchPrefix, path, "-version"];
        var start = new ProcessStartInfo(argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidDataException($"{path} did not start");
        var output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        if (!process.WaitForExit(10_000))
        {
            process.Kill();
            throw new InvalidDataException($"{path} -version did not answer within 10 s");
        }

        return new QemuBinary(path, ParseVersion(output) ?? throw new InvalidDataException($"{path} -version printed no \"QEMU emulator version X.Y\": {output.Trim()}"));
    }

    public static Version? ParseVersion(string versionOutput)
    {
        var match = VersionLine().Match(versionOutput ?? string.Empty);
        if (!match.Success)
        {
            return null;
        }

        var patch = match.Groups[3].Success ? int.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return new Version(
            int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture),
            patch);
    }

    [GeneratedRegex(@"QEMU emulator version (\d+)\.(\d+)(?:\.(\d+))?", RegexOptions.CultureInvariant)]
    private static partial Regex VersionLine();
}
