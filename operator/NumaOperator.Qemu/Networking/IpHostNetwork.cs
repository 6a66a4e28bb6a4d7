using System.Diagnostics;
using System.Text.Json.Nodes;

namespace NumaOperator.Qemu.Networking;

/// <summary>
/// Bridges and taps through iproute2's `ip` (the tool every host has; JSON output parsed): in the agent's own network
/// namespace, or with <paramref name="netns"/> in that named one (`ip -n`), where QEMU must then run as well.
/// </summary>
public sealed class IpHostNetwork(string? netns = null, string ipPath = "ip") : IHostNetwork
{
    public string Where => netns is null ? "this node" : $"network namespace {netns}";

    public bool VhostNetAvailable => File.Exists("/dev/vhost-net");

    public bool IsBridge(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (netns is null)
        {
            return Directory.Exists($"/sys/class/net/{name}/bridge");
        }

        var (code, output, _) = Run(["-j", "-d", "link", "show", "dev", name]);
        return code == 0 && JsonNode.Parse(output) is JsonArray { Count: 1 } links && links[0]?["linkinfo"]?["info_kind"]?.GetValue<string>() == "bridge";
    }

    public void CreateTap(string tap, string bridge, string owner)
    {
        DeleteTap(tap);
        Check(["tuntap", "add", "dev", tap, "mode", "tap"], $"create tap {tap}");
        try
        {
            Check(["link", "set", "dev", tap, "alias", owner], $"mark tap {tap}");
            Check(["link", "set", "dev", tap, "master", bridge], $"attach tap {tap} to bridge {bridge}");
            Check(["link", "set", "dev", tap, "up"], $"set tap {tap} up");
        }
        catch
        {
            DeleteTap(tap);
            throw;
        }
    }

    public void DeleteTap(string tap)
    {
        var (code, _, error) = Run(["link", "del", "dev", tap]);
        if (code != 0 && Exists(tap))
        {
            throw new IOException($"could not remove tap {tap} in {Where}: {error.Trim()}");
        }
    }

    public IReadOnlyList<(string Tap, string Owner)> OwnedTaps()
    {
        var (code, output, error) = Run(["-j", "link", "show"]);
        if (code != 0)
        {
            throw new IOException($"ip link show failed in {Where}: {error.Trim()}");
        }

        var owned = new List<(string, string)>();
        foreach (var link in JsonNode.Parse(output) as JsonArray ?? [])
        {
            var name = link?["ifname"]?.GetValue<string>();
            var alias = link?["ifalias"]?.GetValue<string>();
            if (name is not null && name.StartsWith(TapNames.Prefix, StringComparison.Ordinal) && TapNames.OwnerUid(alias) is not null)
            {
                owned.Add((name, alias!));
            }
        }

        return owned;
    }

    private bool Exists(string device) => Run(["link", "show", "dev", device]).Code == 0;

    private void Check(IReadOnlyList<string> args, string what)
    {
        var (code, _, error) = Run(args);
        if (code != 0)
        {
            throw new IOException($"could not {what} in {Where}: ip {string.Join(' ', args)}: {error.Trim()}");
        }
    }

    private (int Code, string Output, string Error) Run(IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo(ipPath) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (netns is not null)
        {
            start.ArgumentList.Add("-n");
            start.ArgumentList.Add(netns);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process? started;
        try
        {
            started = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new IOException($"{ipPath} (iproute2) could not be run: {e.Message}", e);
        }

        using var process = started ?? throw new IOException($"{ipPath} did not start");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.GetAwaiter().GetResult());
    }
}
