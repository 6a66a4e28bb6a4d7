using System.Globalization;
using System.Text.Json.Nodes;
using NumaOperator.Qemu.Qmp;

namespace NumaOperator.Qemu.Measurement;

/// <summary>
/// Asks a running QEMU where each memory backend lives in its address space: the guest-physical range of the backend's
/// region from "info mtree -f", then "gpa2hva" of its first address, minus the range's offset into the region.
/// Read once per process (QEMU never moves guest RAM).
/// </summary>
public static class GuestRamLocator
{
    /// <exception cref="QmpException">QMP failed or QEMU's answers could not be read (the message quotes them).</exception>
    public static async Task<GuestRamAddresses> LocateAsync(QmpClient qmp, IEnumerable<string> backendIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        ArgumentNullException.ThrowIfNull(backendIds);
        var ranges = QemuMemoryMap.ParseFlatView(await HumanMonitorAsync(qmp, "info mtree -f", ct));
        var starts = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var id in backendIds)
        {
            // A backend missing from the map stays missing here; the verdict reports it as a missing backend.
            var range = ranges.Where(r => r.Name == id).MinBy(r => r.Offset);
            if (range is null)
            {
                continue;
            }

            var answer = await HumanMonitorAsync(qmp, "gpa2hva 0x" + range.GuestPhysical.ToString("x", CultureInfo.InvariantCulture), ct);
            try
            {
                var (region, hostAddress) = QemuMemoryMap.ParseGpa2Hva(answer);
                if (region != id)
                {
                    throw new QmpException($"gpa2hva 0x{range.GuestPhysical:x} names region {region}, but info mtree -f put {id} there");
                }

                starts[id] = hostAddress - range.Offset;
            }
            catch (FormatException e)
            {
                throw new QmpException(e.Message, e);
            }
        }

        return new GuestRamAddresses(starts);
    }

    private static async Task<string> HumanMonitorAsync(QmpClient qmp, string commandLine, CancellationToken ct)
    {
        var reply = await qmp.ExecuteAsync("human-monitor-command", new JsonObject { ["command-line"] = commandLine }, ct);
        return reply?.GetValue<string>() ?? string.Empty;
    }
}
