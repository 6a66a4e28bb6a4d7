using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Qemu.Capabilities;

/// <summary>
/// Probes once per QEMU binary and host state, then answers from memory, and from a file in the probe's cache
/// directory across processes (an agent restart, each `numa-operator launch`). The key holds the probe options and
/// what would change the answer (the binary's size and modification time, whether the KVM device exists, the
/// boot-probe kernel's modification time), so an upgraded package, a loaded kvm module or a new kernel is probed again
/// at the next look. A failed probe is not kept, and a kept one is probed again after <see cref="MaxAge"/>, so a probe
/// that failed for a passing reason (a kernel boot slowed down by load) does not stick.
/// </summary>
public static partial class QemuCapabilityCache
{
    /// <summary>How long one probe answers, in memory and on disk.</summary>
    public static TimeSpan MaxAge { get; } = TimeSpan.FromHours(1);

    private static readonly ConcurrentDictionary<string, (Lazy<Task<QemuCapabilities>> Probe, DateTime At)> Probes = new(StringComparer.Ordinal);

    /// <exception cref="FileNotFoundException">No QEMU at the path.</exception>
    /// <exception cref="InvalidDataException">It ran but printed no QEMU version.</exception>
    public static async Task<QemuCapabilities> GetAsync(QemuProbeOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var key = Key(options);
        var entry = Probes.AddOrUpdate(
            key,
            _ => (new Lazy<Task<QemuCapabilities>>(() => LoadOrProbeAsync(options, key)), DateTime.UtcNow),
            (_, old) => DateTime.UtcNow - old.At < MaxAge ? old : (new Lazy<Task<QemuCapabilities>>(() => LoadOrProbeAsync(options, key)), DateTime.UtcNow));
        try
        {
            return await entry.Probe.Value.WaitAsync(ct);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            Probes.TryRemove(new KeyValuePair<string, (Lazy<Task<QemuCapabilities>>, DateTime)>(key, entry));
            throw;
        }
    }

    /// <summary>The file that keeps a probe of <paramref name="options"/>: named after a hash of the key, so a changed binary or host misses it.</summary>
    public static string FileOf(QemuProbeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Key(options))))[..16];
        return Path.Combine(options.CacheDirectory, $"qemu-capabilities-{hash}.json");
    }

    private static async Task<QemuCapabilities> LoadOrProbeAsync(QemuProbeOptions options, string key)
    {
        var file = FileOf(options);
        if (Read(file, key) is { } kept)
        {
            return kept;
        }

        var probed = await QemuCapabilityProbe.ProbeAsync(options, CancellationToken.None);
        Write(file, key, probed);
        return probed;
    }

    private static QemuCapabilities? Read(string file, string key)
    {
        try
        {
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) >= MaxAge)
            {
                return null;
            }

            var kept = JsonSerializer.Deserialize(File.ReadAllText(file), KeptProbeJson.Default.KeptProbe);
            return kept is not null && kept.Key == key ? kept.ToCapabilities() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or FormatException or ArgumentException)
        {
            return null; // absent, unreadable or from another version: probe again
        }
    }

    private static void Write(string file, string key, QemuCapabilities capabilities)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var temp = file + ".tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(KeptProbe.Of(key, capabilities), KeptProbeJson.Default.KeptProbe));
            File.Move(temp, file, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Keeping it is an optimisation: the memory copy serves this process either way.
        }
    }

    private static string Key(QemuProbeOptions options)
    {
        var binary = new FileInfo(options.Visible(options.QemuPath));
        var kernel = options.BootProbeKernel is "" ? null : options.BootProbeKernel ?? QemuCapabilityProbe.NewestKernel(options);
        var kernelStamp = kernel is null ? "-" : Stamp(new FileInfo(options.Visible(kernel)));
        return string.Join(
            '\u0001',
            string.Join(' ', options.Command([])),
            options.HostRoot,
            options.KvmDevice,
            File.Exists(options.KvmDevice),
            options.ForceEmulation,
            kernel ?? "-",
            kernelStamp,
            binary.Exists ? Stamp(binary) : "missing");
    }

    private static string Stamp(FileInfo file) =>
        file.Exists ? string.Create(CultureInfo.InvariantCulture, $"{file.Length}@{file.LastWriteTimeUtc.Ticks}") : "missing";

    /// <summary>The file form of a probe, with the key it answers.</summary>
    private sealed record KeptProbe(string Key, string QemuPath, string Version, List<KeptAccelerator> Accelerators)
    {
        public static KeptProbe Of(string key, QemuCapabilities c) =>
            new(key, c.QemuPath, c.Version.ToString(), [.. c.Accelerators.Select(a => new KeptAccelerator(AcceleratorNames.Of(a.Accelerator), a.Usable, a.Reason, new Dictionary<string, string>(a.CpuOptions)))]);

        public QemuCapabilities ToCapabilities() => new(
            QemuPath,
            System.Version.Parse(Version),
            [.. Accelerators.Select(a => new AcceleratorCapability(
                AcceleratorNames.ParseAccelerator(a.Name) ?? throw new FormatException($"unknown accelerator {a.Name}"),
                a.Usable,
                a.Reason,
                a.CpuOptions))]);
    }

    private sealed record KeptAccelerator(string Name, bool Usable, string? Reason, Dictionary<string, string> CpuOptions);

    /// <summary>The file's JSON, generated at build time (the names reflection wrote before): reflection cannot build these records' converters in a Native AOT build.</summary>
    [JsonSerializable(typeof(KeptProbe))]
    private sealed partial class KeptProbeJson : JsonSerializerContext;
}
