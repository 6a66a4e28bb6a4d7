using System.Collections.Concurrent;
using System.Globalization;

namespace NumaOperator.Qemu.Capabilities;

/// <summary>
/// Probes once per QEMU binary and host state, then answers from memory: the key holds the probe options and what
/// would change the answer (the binary's size and modification time, whether the KVM device exists, the boot-probe
/// kernel's modification time), so an upgraded package or a loaded kvm module is probed again at the next look,
/// and several agents in one process (tests, standalone) share one probe. A failed probe is not kept.
/// </summary>
public static class QemuCapabilityCache
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<QemuCapabilities>>> Probes = new(StringComparer.Ordinal);

    /// <exception cref="FileNotFoundException">No QEMU at the path.</exception>
    /// <exception cref="InvalidDataException">It ran but printed no QEMU version.</exception>
    public static async Task<QemuCapabilities> GetAsync(QemuProbeOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var key = Key(options);
        var probe = Probes.GetOrAdd(key, _ => new Lazy<Task<QemuCapabilities>>(() => QemuCapabilityProbe.ProbeAsync(options, CancellationToken.None)));
        try
        {
            return await probe.Value.WaitAsync(ct);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            Probes.TryRemove(new KeyValuePair<string, Lazy<Task<QemuCapabilities>>>(key, probe));
            throw;
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
            binary.Exists ? Stamp(binary) : "missing",
            "");
    }

    private static string Stamp(FileInfo file) =>
        file.Exists ? string.Create(CultureInfo.InvariantCulture, $"{file.Length}@{file.LastWriteTimeUtc.Ticks}") : "missing";
}
