using System.Globalization;
using System.Text.Json.Nodes;

namespace NumaOperator.Qemu.Migration;

/// <summary>QEMU's MigrationStatus values the agent acts on (query-migrate "status"); others pass through as text.</summary>
public static class MigrationStatuses
{
    /// <summary>No migration was started (an incoming QEMU before migrate-incoming, or a source before migrate).</summary>
    public const string None = "none";

    public const string Setup = "setup";
    public const string Active = "active";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelling = "cancelling";
    public const string Cancelled = "cancelled";

    /// <summary>Whether the stream ended (nothing more will happen to it).</summary>
    public static bool IsTerminal(string status) => status is Completed or Failed or Cancelled;
}

/// <summary>
/// One query-migrate reply, typed (QEMU 7.2's MigrationInfo): the stream's status, RAM (and, block-migrated, disk)
/// counters, timings, the failure's text, and on an incoming QEMU the address it listens on (socket-address: the
/// real port when port 0 was asked for). Pure: <see cref="Parse"/> reads the JSON only.
/// </summary>
public sealed record MigrationInfo(string Status)
{
    public long? RamTotal { get; init; }

    public long? RamTransferred { get; init; }

    public long? RamRemaining { get; init; }

    /// <summary>Block migration's disk counters (capability block); null without.</summary>
    public long? DiskTotal { get; init; }

    public long? DiskTransferred { get; init; }

    public long? DiskRemaining { get; init; }

    /// <summary>Passes over dirty memory (ram.dirty-sync-count).</summary>
    public long? DirtySyncCount { get; init; }

    /// <summary>Milliseconds since the migration started (total-time).</summary>
    public long? TotalTimeMilliseconds { get; init; }

    /// <summary>The guest's pause at the switch-over, once completed (downtime).</summary>
    public long? DowntimeMilliseconds { get; init; }

    /// <summary>QEMU's estimate while active (expected-downtime).</summary>
    public long? ExpectedDowntimeMilliseconds { get; init; }

    /// <summary>Why it failed (error-desc), when QEMU says.</summary>
    public string? ErrorDescription { get; init; }

    /// <summary>An incoming QEMU's listening TCP addresses (host, port).</summary>
    public IReadOnlyList<(string Host, int Port)> ListeningOn { get; init; } = [];

    public bool IsTerminal => MigrationStatuses.IsTerminal(Status);

    /// <summary>Everything to send, RAM plus disks.</summary>
    public long? DataTotal => Add(RamTotal, DiskTotal);

    public long? DataProcessed => Add(RamTransferred, DiskTransferred);

    public long? DataRemaining => Add(RamRemaining, DiskRemaining);

    /// <summary>Reads a query-migrate "return" object; an empty one (nothing ever started) is status none.</summary>
    /// <exception cref="FormatException">Not an object, or a counter that is not a number.</exception>
    public static MigrationInfo Parse(JsonNode? reply)
    {
        if (reply is not JsonObject o)
        {
            throw new FormatException($"query-migrate returned no object: {reply?.ToJsonString() ?? "null"}");
        }

        var ram = o["ram"] as JsonObject;
        var disk = o["disk"] as JsonObject;
        return new MigrationInfo(Text(o, "status") ?? MigrationStatuses.None)
        {
            RamTotal = Number(ram, "total"),
            RamTransferred = Number(ram, "transferred"),
            RamRemaining = Number(ram, "remaining"),
            DiskTotal = Number(disk, "total"),
            DiskTransferred = Number(disk, "transferred"),
            DiskRemaining = Number(disk, "remaining"),
            DirtySyncCount = Number(ram, "dirty-sync-count"),
            TotalTimeMilliseconds = Number(o, "total-time"),
            DowntimeMilliseconds = Number(o, "downtime"),
            ExpectedDowntimeMilliseconds = Number(o, "expected-downtime"),
            ErrorDescription = Text(o, "error-desc"),
            ListeningOn = [.. (o["socket-address"] as JsonArray ?? []).OfType<JsonObject>().Where(a => Text(a, "type") == "inet").Select(Inet)],
        };
    }

    private static (string Host, int Port) Inet(JsonObject address)
    {
        var port = address["port"];
        var text = port?.GetValueKind() == System.Text.Json.JsonValueKind.Number ? port.GetValue<long>().ToString(CultureInfo.InvariantCulture) : port?.GetValue<string>();
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536
            ? (Text(address, "host") ?? string.Empty, p)
            : throw new FormatException($"socket-address port is not a TCP port: {address.ToJsonString()}");
    }

    private static string? Text(JsonObject? o, string name) => o?[name] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : null;

    private static long? Number(JsonObject? o, string name)
    {
        if (o?[name] is not JsonValue v)
        {
            return null;
        }

        return v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            ? v.GetValue<long>()
            : throw new FormatException($"query-migrate {name} is not a number: {v.ToJsonString()}");
    }

    private static long? Add(long? a, long? b) => a is null && b is null ? null : (a ?? 0) + (b ?? 0);
}
