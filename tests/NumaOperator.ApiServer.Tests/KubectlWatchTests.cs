using System.Collections.Concurrent;
using System.Diagnostics;
using k8s;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;

namespace NumaOperator.ApiServer.Tests;

/// <summary><c>kubectl get -w -l</c> (the real binary) sees a VM leave and re-enter its label selector.</summary>
public sealed class KubectlWatchTests
{
    public static TheoryData<string> Versions => new() { "1.32", "1.33" };

    [SkippableTheory]
    [MemberData(nameof(Versions))]
    public async Task Get_watch_with_a_label_selector_shows_the_vm_leaving_and_coming_back(string version)
    {
        var binary = Kubectl.Find(version);
        Skip.If(binary is null, Kubectl.MissingReason(version));
        await Kubectl.WithServerAsync(binary!, async (_, server, dir) =>
        {
            using var client = TestServer.Client(server);
            var vms = TestServer.Vms(client);
            await vms.CreateNamespacedAsync(TestServer.Vm("a", labels: new Dictionary<string, string> { [ApiGroup.NodeLabel] = "n1" }), "default");
            await vms.CreateNamespacedAsync(TestServer.Vm("b", labels: new Dictionary<string, string> { [ApiGroup.NodeLabel] = "n2" }), "default");

            var lines = new ConcurrentQueue<string>();
            using var kubectl = Start(binary!, dir, lines, "get", "nvm", "-w", "--output-watch-events", "-l", ApiGroup.NodeLabel + "=n1");
            try
            {
                // The listed object arrives first; after it kubectl watches from the list's resourceVersion.
                Assert.Equal(["ADDED a"], await WaitForLinesAsync(lines, 1));
                await MoveAsync(vms, "a", "n2");
                await MoveAsync(vms, "b", "n1");
                await MoveAsync(vms, "a", "n1");
                Assert.Equal(
                    [
                        "ADDED a",
                        "DELETED a",
                        "ADDED b",
                        "ADDED a",
                    ],
                    await WaitForLinesAsync(lines, 4));
            }
            finally
            {
                kubectl.Kill(entireProcessTree: true);
                await kubectl.WaitForExitAsync();
            }
        });
    }

    private static Task<NumaVirtualMachine> MoveAsync(GenericClient vms, string name, string node) =>
        vms.PatchNamespacedAsync<NumaVirtualMachine>(
            new V1Patch("{\"metadata\":{\"labels\":{\"" + ApiGroup.NodeLabel + "\":\"" + node + "\"}}}", V1Patch.PatchType.MergePatch), "default", name);

    /// <summary>Starts kubectl (own kubeconfig and cache, as <see cref="Kubectl"/>) and collects event and name of each row as it comes.</summary>
    private static Process Start(string binary, string dir, ConcurrentQueue<string> lines, params string[] args)
    {
        var start = KubectlProcess.StartInfo(binary, Path.Combine(dir, "kubeconfig"), dir, args);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            // "EVENT NAME ..." table rows (the header and the printer columns after the name left out).
            var words = e.Data?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
            if (words.Length >= 2 && words[0] != "EVENT")
            {
                lines.Enqueue(words[0] + " " + words[1]);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                lines.Enqueue("stderr: " + e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<string[]> WaitForLinesAsync(ConcurrentQueue<string> lines, int count)
    {
        await Eventually.UntilAsync(
            () => Task.FromResult(lines.Count), printed => printed >= count, TimeSpan.FromSeconds(30), $"kubectl prints {count} lines", printed => $"{printed} lines: {string.Join(" | ", lines)}", poll: TimeSpan.FromMilliseconds(20));
        await Eventually.ConsistentlyAsync(() => Task.FromResult(lines.Count), printed => printed == count, TimeSpan.FromMilliseconds(300), $"kubectl prints nothing beyond {count} lines");
        return [.. lines];
    }
}
