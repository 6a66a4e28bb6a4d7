using System.Diagnostics;
using System.Text.Json.Nodes;

namespace NumaOperator.Standalone.Tests;

/// <summary>The real kubectl against standalone's kubeconfig.</summary>
public sealed class Kubectl(string kubeconfig)
{
    public const string Path = "/usr/bin/kubectl";

    public static bool Available => File.Exists(Path);

    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(kubeconfig);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>`kubectl get nvm NAME -o json`, or null when it does not exist.</summary>
    public async Task<JsonObject?> GetVmAsync(string name)
    {
        var (code, stdout, stderr) = await RunAsync("get", "nvm", name, "-o", "json");
        if (code != 0)
        {
            return stderr.Contains("NotFound", StringComparison.Ordinal) || stderr.Contains("not found", StringComparison.Ordinal)
                ? null
                : throw new InvalidOperationException($"kubectl get nvm {name}: exit {code}: {stderr}");
        }

        return (JsonObject)JsonNode.Parse(stdout)!;
    }

    /// <summary>Polls until <paramref name="done"/> holds for the VM (or its absence), or fails with the last object seen.</summary>
    public async Task<JsonObject?> WaitVmAsync(string name, Func<JsonObject?, bool> done, TimeSpan timeout, BackgroundCli? standalone = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonObject? vm = null;
        while (DateTime.UtcNow < deadline)
        {
            vm = await GetVmAsync(name);
            if (done(vm))
            {
                return vm;
            }

            if (standalone is { HasExited: true })
            {
                break;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"nvm {name} did not reach the expected state; last seen:\n{vm?.ToJsonString()}\n{standalone?.Output}");
    }

    public static string? Condition(JsonObject? vm, string type) =>
        vm?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type)?["status"]?.GetValue<string>();
}
