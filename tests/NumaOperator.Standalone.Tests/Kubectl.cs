using System.Text.Json.Nodes;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Standalone.Tests;

/// <summary>The real kubectl against standalone's kubeconfig.</summary>
public sealed class Kubectl(string kubeconfig)
{
    public const string Path = "/usr/bin/kubectl";

    public static bool Available => File.Exists(Path);

    public Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) =>
        KubectlProcess.RunAsync(Path, kubeconfig, workDir: null, TimeSpan.FromMinutes(3), args);

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
        // A standalone run that exited will not change the VM any more: stop waiting at once.
        var vm = await Eventually.LastReadingAsync(() => GetVmAsync(name), seen => done(seen) || standalone is { HasExited: true }, timeout, TimeSpan.FromMilliseconds(500));
        if (done(vm))
        {
            return vm;
        }

        throw new TimeoutException($"nvm {name} did not reach the expected state; last seen:\n{vm?.ToJsonString()}\n{standalone?.Output}");
    }

    public static string? Condition(JsonObject? vm, string type) =>
        vm?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type)?["status"]?.GetValue<string>();
}
