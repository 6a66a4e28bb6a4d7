using System.Text.Json.Nodes;
using NumaOperator.Numa.Placement;
using NumaOperator.Qemu.Qmp;

namespace NumaOperator.Qemu.Capabilities;

/// <summary>What one probe QEMU answered: whether it started, its CPU models without unavailable features, and query-kvm.</summary>
/// <param name="Failure">Why it did not start (its stderr or a timeout); null when it did.</param>
internal sealed record QmpProbeResult(string? Failure, IReadOnlyList<string> AvailableModels, bool? KvmEnabled)
{
    public bool Started => Failure is null;
}

/// <summary>
/// Starts QEMU with one accelerator and -cpu value, paused (-S) and with QMP on stdio, the way a VM starts up to its
/// first instruction (machine and vCPUs created, KVM registers written, which is where nested KVM aborts), asks
/// query-kvm and query-cpu-definitions, then quits.
/// </summary>
internal static class QmpProbeSession
{
    public static async Task<QmpProbeResult> RunAsync(QemuProbeOptions options, Accelerator accelerator, string cpu, CancellationToken ct)
    {
        var argv = options.Command(
        [
            "-machine", "q35,accel=" + QemuAccelerators.QemuName(accelerator), "-cpu", cpu,
            "-nodefaults", "-no-user-config", "-display", "none", "-m", "64M", "-S", "-qmp", "stdio",
        ]);
        ProbeProcess process;
        try
        {
            process = ProbeProcess.Start(argv);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return Failed($"{argv[0]} could not be started: {e.Message}");
        }

        await using (process)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(options.StartTimeout);
            try
            {
                await using var qmp = await QmpClient.OpenAsync(process.Output, process.Input, "QEMU -qmp stdio", deadline.Token);
                bool? kvmEnabled = null;
                if (accelerator == Accelerator.Kvm)
                {
                    var kvm = await qmp.ExecuteAsync("query-kvm", null, deadline.Token) as JsonObject;
                    kvmEnabled = kvm?["enabled"]?.GetValue<bool>() == true && kvm["present"]?.GetValue<bool>() == true;
                }

                var definitions = await qmp.ExecuteAsync("query-cpu-definitions", null, deadline.Token) as JsonArray ?? [];
                await QuitAsync(qmp, deadline.Token);
                return new QmpProbeResult(null, AvailableModels(definitions), kvmEnabled);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return Failed($"no QMP answer within {options.StartTimeout.TotalSeconds:0} s" + StderrSuffix(process));
            }
            catch (Exception e) when (e is QmpException or IOException or System.Text.Json.JsonException or InvalidOperationException)
            {
                // QEMU died before or while answering: its stderr says why (e.g. "failed to set MSR 0x10a").
                await process.WaitAsync(TimeSpan.FromSeconds(5), ct);
                var stderr = process.Stderr;
                return Failed(stderr.Length > 0 ? stderr : e.Message);
            }
        }
    }

    /// <summary>Models QEMU lists without unavailable features under this accelerator, without host/max (those are the API's host-passthrough and host-model).</summary>
    public static IReadOnlyList<string> AvailableModels(JsonArray definitions) =>
        [.. definitions.OfType<JsonObject>()
            .Where(d => d["unavailable-features"] is JsonArray { Count: 0 })
            .Select(d => d["name"]?.GetValue<string>())
            .OfType<string>()
            .Where(n => n is not "host" and not "max")
            .Order(StringComparer.Ordinal)];

    private static async Task QuitAsync(QmpClient qmp, CancellationToken ct)
    {
        try
        {
            await qmp.ExecuteAsync("quit", null, ct);
        }
        catch (Exception e) when (e is QmpException or IOException)
        {
            // QEMU may close stdout before its reply arrives: it is quitting either way
        }
    }

    private static QmpProbeResult Failed(string why) => new(why, [], null);

    private static string StderrSuffix(ProbeProcess process) => process.Stderr is { Length: > 0 } s ? ": " + s : string.Empty;
}
