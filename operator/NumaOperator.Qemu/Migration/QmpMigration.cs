using System.Globalization;
using System.Text.Json.Nodes;
using NumaOperator.Qemu.Qmp;

namespace NumaOperator.Qemu.Migration;

/// <summary>
/// The QMP commands of a live migration (QEMU 7.2), on <see cref="QmpClient"/>: the target listens
/// (migrate-incoming), the source sets capabilities and parameters and sends (migrate), either side reads
/// query-migrate; migrate_cancel stops a stream, query-status and cont see and resume the guest.
/// </summary>
public static class QmpMigration
{
    /// <summary>migrate-set-capabilities: events always (MIGRATION events), block when the disks go in the stream.</summary>
    public static Task SetCapabilitiesAsync(QmpClient qmp, bool block, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        return qmp.ExecuteAsync("migrate-set-capabilities", new JsonObject
        {
            ["capabilities"] = new JsonArray(Capability("events", true), Capability("block", block)),
        }, ct);
    }

    /// <summary>migrate-set-parameters: max-bandwidth (when bounded), block-incremental, downtime-limit.</summary>
    public static Task SetParametersAsync(QmpClient qmp, MigrationSettings settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        ArgumentNullException.ThrowIfNull(settings);
        var parameters = new JsonObject
        {
            ["downtime-limit"] = settings.DowntimeLimitMilliseconds,
            ["block-incremental"] = settings.BlockMigrate,
        };
        if (settings.MaxBandwidthBytesPerSecond is { } bandwidth)
        {
            parameters["max-bandwidth"] = bandwidth;
        }

        return qmp.ExecuteAsync("migrate-set-parameters", parameters, ct);
    }

    /// <summary>Settings then capabilities then migrate to tcp:HOST:PORT (the target's status.targetAddress).</summary>
    public static async Task StartAsync(QmpClient qmp, string targetAddress, MigrationSettings settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        ArgumentNullException.ThrowIfNull(settings);
        await SetCapabilitiesAsync(qmp, settings.BlockMigrate, ct);
        await SetParametersAsync(qmp, settings, ct);
        await qmp.ExecuteAsync("migrate", new JsonObject { ["uri"] = TcpUri(targetAddress) }, ct);
    }

    /// <summary>An incoming QEMU (-incoming defer) listens on <paramref name="listenHost"/> port 0; returns the port the kernel gave it.</summary>
    public static async Task<int> ListenAsync(QmpClient qmp, string listenHost, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        await qmp.ExecuteAsync("migrate-set-capabilities", new JsonObject { ["capabilities"] = new JsonArray(Capability("events", true)) }, ct);
        await qmp.ExecuteAsync("migrate-incoming", new JsonObject { ["uri"] = TcpUri(FormatAddress(listenHost, 0)) }, ct);
        var info = await QueryAsync(qmp, ct);
        return info.ListeningOn.Count > 0
            ? info.ListeningOn[0].Port
            : throw new QmpException($"migrate-incoming: query-migrate names no listening socket (status {info.Status})");
    }

    public static async Task<MigrationInfo> QueryAsync(QmpClient qmp, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        try
        {
            return MigrationInfo.Parse(await qmp.ExecuteAsync("query-migrate", null, ct));
        }
        catch (FormatException e)
        {
            throw new QmpException(e.Message, e);
        }
    }

    public static Task CancelAsync(QmpClient qmp, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        return qmp.ExecuteAsync("migrate_cancel", null, ct);
    }

    public static async Task<string> RunStateAsync(QmpClient qmp, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        try
        {
            return VmRunState.Parse(await qmp.ExecuteAsync("query-status", null, ct));
        }
        catch (FormatException e)
        {
            throw new QmpException(e.Message, e);
        }
    }

    public static Task ResumeAsync(QmpClient qmp, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        return qmp.ExecuteAsync("cont", null, ct);
    }

    /// <summary>"host:port", brackets around an IPv6 host.</summary>
    public static string FormatAddress(string host, int port)
    {
        ArgumentNullException.ThrowIfNull(host);
        return (host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host) + ":" + port.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>QEMU's migration URI of a "host:port" address.</summary>
    public static string TcpUri(string address)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        return "tcp:" + address;
    }

    private static JsonObject Capability(string name, bool state) => new() { ["capability"] = name, ["state"] = state };
}
