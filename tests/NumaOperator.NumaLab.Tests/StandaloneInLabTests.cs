using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace NumaOperator.NumaLab.Tests;

/// <summary>
/// `numa-operator standalone` inside a guest with two NUMA nodes (tests/numa-lab): a VM with spec.numa.nodes "1"
/// becomes Ready with status.numastat measuring all guest RAM on host node 1 (localRatio 1.000); with the test-only
/// switch that omits the binding, the agent reports NumaAligned=False and a Warning Event naming node 0. Both runs
/// start on node 0's CPU, so the binding is the only difference. Read through kubectl against the standalone's API.
/// </summary>
public sealed class StandaloneInLabTests(StandaloneLabFixture lab, ITestOutputHelper output) : IClassFixture<StandaloneLabFixture>
{
    private const string VmName = "lab-vm";

    [SkippableFact]
    public async Task Standalone_reports_all_guest_ram_measured_on_host_node_1()
    {
        var (log, result) = await CommandAsync("bound");
        Assert.True(result.ExitCode == 0, $"standalone --exit-when-ready exited {result.ExitCode}; stdout:\n{result.Stdout}\nstderr:\n{result.Stderr}");
        Assert.Contains("ready: the VM is Ready", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("measured: host node 1: 67108864 bytes", result.Stdout, StringComparison.Ordinal); // the final report, from status.numastat
        Assert.Contains("localRatio 1.000", result.Stdout, StringComparison.Ordinal);

        // The kubectl watch saw the status the agent wrote while the VM ran: aligned, measured on node 1.
        Assert.True(log.Commands.TryGetValue("bound-watch", out var watch), "no bound-watch block in the serial log");
        var aligned = WatchedObjects(watch.Stdout).LastOrDefault(vm => Condition(vm, "NumaAligned")?["status"]?.GetValue<string>() == "True");
        Assert.True(aligned is not null, "the watch never saw NumaAligned=True:\n" + watch.Stdout);
        Assert.Equal("True", Condition(aligned, "Ready")?["status"]?.GetValue<string>());
        var numastat = aligned["status"]!["numastat"]!;
        Assert.Equal("1.000", numastat["localRatio"]!.GetValue<string>());
        Assert.Equal(LaunchLabFixture.VmBytes, NodeBytes(numastat, 1));
        Assert.Equal(0, NodeBytes(numastat, 0));
        Assert.Equal(1, aligned["status"]!["placement"]!["guestNodes"]![0]!["hostNode"]!.GetValue<int>());

        // --stop-vms-on-exit stopped QEMU and the pages came back.
        Assert.Equal("0", log.Values["qemu-after-bound"]);
        Assert.Equal(LabSerialLog.ParseNodeCounts(log.Values["free-before-bound"]), LabSerialLog.ParseNodeCounts(log.Values["free-after-bound"]));
    }

    [SkippableFact]
    public async Task Standalone_without_binding_reports_not_aligned_with_an_event_naming_node_0()
    {
        var (log, result) = await CommandAsync("control");
        Assert.Equal("yes", log.Values["control-seen"]);
        Assert.True(result.ExitCode == 0, $"standalone ended by SIGTERM must exit 0 (orderly shutdown), exited {result.ExitCode}; stderr:\n{result.Stderr}");

        Assert.True(log.Commands.TryGetValue("control-vm", out var vmResult) && vmResult.ExitCode == 0, "kubectl get nvm failed in the guest");
        var vm = JsonNode.Parse(vmResult!.Stdout)!;
        var notAligned = Condition(vm, "NumaAligned");
        Assert.Equal("False", notAligned?["status"]?.GetValue<string>());
        Assert.NotEqual("True", Condition(vm, "Ready")?["status"]?.GetValue<string>());
        var numastat = vm["status"]!["numastat"]!;
        Assert.Equal("0.000", numastat["localRatio"]!.GetValue<string>());
        Assert.Equal(LaunchLabFixture.VmBytes, NodeBytes(numastat, 0));
        Assert.Equal(0, NodeBytes(numastat, 1));

        Assert.True(log.Commands.TryGetValue("control-events", out var events) && events.ExitCode == 0, "kubectl get events failed in the guest");
        var warnings = JsonNode.Parse(events!.Stdout)!["items"]!.AsArray()
            .Where(e => e!["type"]?.GetValue<string>() == "Warning" && e["involvedObject"]?["name"]?.GetValue<string>() == VmName)
            .Select(e => e!["message"]!.GetValue<string>())
            .ToList();
        Assert.Contains(warnings, m => m.Contains("64.0 MiB on host node 0", StringComparison.Ordinal) && m.Contains("placed on node 1", StringComparison.Ordinal));

        // While it ran unbound, node 0's pool paid for it; deleting the VM stopped QEMU and gave the pages back.
        Assert.Equal("0", log.Values["qemu-after-control"]);
        Assert.Equal(LabSerialLog.ParseNodeCounts(log.Values["free-before-control"]), LabSerialLog.ParseNodeCounts(log.Values["free-after-control"]));
    }

    private async Task<(LabSerialLog Log, LabCommandResult Result)> CommandAsync(string name)
    {
        Skip.If(lab.MissingPrerequisite is not null, lab.MissingPrerequisite);
        var run = await lab.RunAsync();
        output.WriteLine($"lab boot: run.sh exit {run.ExitCode} after {run.Elapsed.TotalSeconds:0} s");
        var log = run.SerialLog;
        var context = $"run.sh exit {run.ExitCode}, messages:\n{run.RunnerMessages}\nserial log:\n{run.SerialLogText}";
        Assert.True(log.BootLine is not null, "the lab guest did not boot: " + context);
        Assert.Contains("nodes=0-1", log.BootLine, StringComparison.Ordinal);
        Assert.True(log.Commands.TryGetValue(name, out var result), $"no result for '{name}': " + context);
        output.WriteLine($"--- {name}: exit {result.ExitCode}\n{result.Stdout}\n--- stderr\n{result.Stderr}");
        if (log.Commands.TryGetValue(name + "-log", out var standaloneLog))
        {
            output.WriteLine($"--- standalone log tail\n{standaloneLog.Stdout}");
        }

        return (log, result);
    }

    /// <summary>
    /// `kubectl get -w -o json` prints one JSON object per change, back to back. Through the guest's serial console a
    /// kernel message can land inside one, so each top-level object is cut out by brace depth and the ones that do not
    /// parse are skipped (the test needs one intact object in the state it asserts on).
    /// </summary>
    private static List<JsonNode> WatchedObjects(string stream)
    {
        var objects = new List<JsonNode>();
        int depth = 0, start = -1;
        bool inString = false, escaped = false;
        for (var i = 0; i < stream.Length; i++)
        {
            var c = stream[i];
            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (c == '\\')
                {
                    escaped = true;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    escaped = false;
                    break;
                case '{':
                    if (depth++ == 0)
                    {
                        start = i;
                    }

                    break;
                case '}' when depth > 0 && --depth == 0:
                    try
                    {
                        objects.Add(JsonNode.Parse(stream[start..(i + 1)])!);
                    }
                    catch (JsonException)
                    {
                        // mangled on the serial console; skip it
                    }

                    break;
            }
        }

        return objects;
    }

    private static JsonNode? Condition(JsonNode vm, string type) =>
        vm["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == type);

    private static long NodeBytes(JsonNode numastat, int node) =>
        numastat["nodes"]!.AsArray().Where(n => n!["node"]!.GetValue<int>() == node).Sum(n => n!["bytes"]!.GetValue<long>());
}
