namespace NumaOperator.Tests.Shared;

/// <summary>The test Linux guest's files (tests/guest/build.sh): Debian's kernel, a busybox initramfs, an ext4 base disk.</summary>
/// <param name="Directory">The cache directory build.sh printed.</param>
public sealed record TestGuestFiles(string Directory)
{
    public string KernelPath => Path.Combine(Directory, "vmlinuz");

    /// <summary>The same kernel uncompressed (ELF, PVH entry): QEMU boots it directly, much faster under TCG (tests/guest/README.md).</summary>
    public string UncompressedKernelPath => Path.Combine(Directory, "vmlinux");

    public string InitramfsPath => Path.Combine(Directory, "initramfs.cpio");

    /// <summary>A 64 MiB raw ext4 image holding /base.txt.</summary>
    public string DiskImagePath => Path.Combine(Directory, "disk.raw");
}

/// <summary>The guest's files under an agent's image root, as relative names for spec.boot.</summary>
public sealed record TestGuestBoot(string Kernel, string Initrd, string Disk);

/// <summary>
/// A real Linux guest for end-to-end tests, built once per machine (cached, content-keyed) and once per test process
/// (checked). What its /init does and the NUMAGUEST-* markers it prints are in tests/guest/README.md.
/// </summary>
public static class TestGuest
{
    private static readonly Lazy<TestGuestFiles> FilesLazy = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static TestGuestFiles Files => FilesLazy.Value;

    /// <summary>The kernel command line for the guest: its console on ttyS0 (the VM's serial port) plus <paramref name="options"/> (e.g. "numaguest.write=a").</summary>
    public static string Cmdline(params string[] options) => string.Join(' ', ["console=ttyS0", "quiet", .. options]);

    /// <summary>
    /// Copies the guest's files into <paramref name="imageRoot"/>/<paramref name="folder"/> (an agent's image root) and
    /// returns their names relative to the root; with <paramref name="uncompressedKernel"/> the kernel is vmlinux (PVH
    /// boot: a TCG boot in less than half the time).
    /// </summary>
    public static TestGuestBoot CopyInto(string imageRoot, string folder = "test-guest", bool uncompressedKernel = false)
    {
        var target = Path.Combine(imageRoot, folder);
        System.IO.Directory.CreateDirectory(target);
        var files = Files;
        var kernel = uncompressedKernel ? files.UncompressedKernelPath : files.KernelPath;
        foreach (var source in new[] { kernel, files.InitramfsPath, files.DiskImagePath })
        {
            File.Copy(source, Path.Combine(target, Path.GetFileName(source)), overwrite: true);
        }

        return new TestGuestBoot($"{folder}/{Path.GetFileName(kernel)}", $"{folder}/initramfs.cpio", $"{folder}/disk.raw");
    }

    private static TestGuestFiles Build()
    {
        var start = ChildProcess.Start("bash", [RepoPaths.Combine("tests", "guest", "build.sh")]);
        var (exitCode, stdout, stderr) = ChildProcess.RunAsync(start, TimeSpan.FromMinutes(5), "tests/guest/build.sh").GetAwaiter().GetResult();
        var directory = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (exitCode != 0 || directory is null || !System.IO.Directory.Exists(directory))
        {
            throw new InvalidOperationException($"tests/guest/build.sh failed (exit {exitCode}): {stderr}{stdout}");
        }

        return new TestGuestFiles(directory);
    }
}

/// <summary>Reads the guest's serial output (the VM's serial log): its lines, its NUMAGUEST-* markers, the text between two markers.</summary>
public static class GuestSerial
{
    /// <summary>The log's lines without the serial line's carriage returns; empty while the file does not exist.</summary>
    public static IReadOnlyList<string> Lines(string serialLog)
    {
        if (!File.Exists(serialLog))
        {
            return [];
        }

        using var stream = new FileStream(serialLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
    }

    /// <summary>The rest of each line starting with NUMAGUEST-<paramref name="marker"/> (e.g. "ADDR" gives "eth0 10.0.2.15/24").</summary>
    public static IReadOnlyList<string> Markers(string serialLog, string marker)
    {
        var prefix = "NUMAGUEST-" + marker;
        return Lines(serialLog).Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Select(l => l[prefix.Length..].TrimStart()).ToList();
    }

    /// <summary>Waits until the log has a NUMAGUEST-<paramref name="marker"/> line and returns the rest of the first one; the log's tail in the failure.</summary>
    public static async Task<string> WaitForMarkerAsync(string serialLog, string marker, TimeSpan timeout)
    {
        var found = await Eventually.UntilAsync(
            () => Task.FromResult(Markers(serialLog, marker)),
            markers => markers.Count > 0,
            timeout,
            $"NUMAGUEST-{marker} in {serialLog}",
            describe: _ => "no such line",
            context: () => "serial log tail:\n" + string.Join('\n', Lines(serialLog).TakeLast(30)));
        return found[0];
    }

    /// <summary>The lines between NUMAGUEST-<paramref name="block"/>-BEGIN and -END (e.g. "USERDATA"); null when the block is absent or unfinished.</summary>
    public static IReadOnlyList<string>? Block(string serialLog, string block)
    {
        var lines = Lines(serialLog);
        var begin = lines.ToList().FindIndex(l => l == $"NUMAGUEST-{block}-BEGIN");
        if (begin < 0)
        {
            return null;
        }

        var end = lines.Skip(begin + 1).ToList().FindIndex(l => l == $"NUMAGUEST-{block}-END");
        return end < 0 ? null : lines.Skip(begin + 1).Take(end).ToList();
    }
}
